import { Effect } from "effect"
import type { SqlClient } from "effect/sql/SqlClient"
import type { MultiMainResult } from "../liverc/models/MultiMainResult.ts"
import type { OverallRanking } from "../liverc/models/OverallRanking.ts"
import type { QualPoints } from "../liverc/models/QualPoints.ts"
import type { RoundRanking } from "../liverc/models/RoundRanking.ts"
import type { EventSnapshot, SnapshotPage } from "./EventSnapshot.ts"
import { textArray } from "./SqlArrays.ts"

/**
 * The standings part of EventWriter's transaction: each page read in this ingest is upserted as
 * one row, and a row whose content is already what the page says is not touched at all (no new
 * row version, `updated_at` kept), so re-reading unchanged pages changes nothing. When the event
 * page is written, the rows of pages it no longer links go.
 */
export const writeStandings = (sql: SqlClient, eventRowId: bigint, snapshot: EventSnapshot) =>
  Effect.gen(function*() {
    if (snapshot.event !== null) yield* removeUnlinked(sql, eventRowId, snapshot.event)
    const standings = snapshot.standings
    if (standings === undefined) return
    if (standings.multiMains.length > 0) yield* upsertMultiMains(sql, eventRowId, standings.multiMains)
    if (standings.roundRankings.length > 0) yield* upsertRoundRankings(sql, eventRowId, standings.roundRankings)
    if (standings.points.length > 0) yield* upsertPoints(sql, eventRowId, standings.points)
    if (standings.overallRanking !== null) yield* upsertOverall(sql, eventRowId, standings.overallRanking)
    if (standings.retry !== undefined) {
      yield* sql`
        UPDATE events SET standings_retry = ${standings.retry}
        WHERE id = ${eventRowId} AND standings_retry IS DISTINCT FROM ${standings.retry}
      `
    }
  })

const removeUnlinked = (sql: SqlClient, eventRowId: bigint, event: NonNullable<EventSnapshot["event"]>) =>
  Effect.all([
    sql`
      DELETE FROM event_multi_main_results
      WHERE event_id = ${eventRowId} AND source_multi_main_id <> ALL (${textArray(event.multiMains.map((link) => link.id))})
    `,
    sql`
      DELETE FROM event_round_rankings
      WHERE event_id = ${eventRowId} AND source_round_id <> ALL (${textArray(event.roundRankings.map((link) => link.id))})
    `,
    sql`
      DELETE FROM event_qual_points
      WHERE event_id = ${eventRowId} AND source_points_id <> ALL (${textArray(event.points.map((link) => link.id))})
    `,
    sql`
      DELETE FROM event_overall_rankings
      WHERE event_id = ${eventRowId} AND source_ranking_id IS DISTINCT FROM ${event.overallRankingId}
    `
  ], { discard: true })

/** One jsonb parameter per statement: a handful of pages, each a few kB to a few hundred. */
const asJson = (rows: ReadonlyArray<unknown>) => JSON.stringify(rows)

const upsertMultiMains = (
  sql: SqlClient,
  eventRowId: bigint,
  pages: ReadonlyArray<SnapshotPage<MultiMainResult>>
) =>
  sql`
    INSERT INTO event_multi_main_results AS t (
      event_id, source_multi_main_id, class_name, label, tie_breaker, completed_mains, total_mains, mains, entries
    )
    SELECT
      ${eventRowId}, p->>'id', p->>'className', p->>'label', p->>'tieBreaker', (p->>'completedMains')::int4,
      (p->>'totalMains')::int4, p->'mains', p->'entries'
    FROM jsonb_array_elements(${
    asJson(pages.map(({ id, page }) => ({
      id,
      className: page.className,
      label: page.label,
      tieBreaker: page.tieBreaker,
      completedMains: page.completedMains,
      totalMains: page.totalMains,
      mains: page.mains,
      entries: page.entries
    })))
  }::jsonb) AS p
    ON CONFLICT (event_id, source_multi_main_id) DO UPDATE SET
      class_name = excluded.class_name,
      label = excluded.label,
      tie_breaker = excluded.tie_breaker,
      completed_mains = excluded.completed_mains,
      total_mains = excluded.total_mains,
      mains = excluded.mains,
      entries = excluded.entries,
      updated_at = now()
    WHERE (t.class_name, t.label, t.tie_breaker, t.completed_mains, t.total_mains, t.mains, t.entries)
      IS DISTINCT FROM (
        excluded.class_name, excluded.label, excluded.tie_breaker, excluded.completed_mains, excluded.total_mains,
        excluded.mains, excluded.entries
      )
  `

const upsertRoundRankings = (
  sql: SqlClient,
  eventRowId: bigint,
  pages: ReadonlyArray<SnapshotPage<RoundRanking>>
) =>
  sql`
    INSERT INTO event_round_rankings AS t (event_id, source_round_id, sort_order, title, classes)
    SELECT ${eventRowId}, p->>'id', p->>'order', p->>'title', p->'classes'
    FROM jsonb_array_elements(${
    asJson(pages.map(({ id, page }) => ({ id, order: page.order, title: page.title, classes: page.classes })))
  }::jsonb) AS p
    ON CONFLICT (event_id, source_round_id) DO UPDATE SET
      sort_order = excluded.sort_order,
      title = excluded.title,
      classes = excluded.classes,
      updated_at = now()
    WHERE (t.sort_order, t.title, t.classes) IS DISTINCT FROM (excluded.sort_order, excluded.title, excluded.classes)
  `

const upsertPoints = (
  sql: SqlClient,
  eventRowId: bigint,
  pages: ReadonlyArray<SnapshotPage<QualPoints>>
) =>
  sql`
    INSERT INTO event_qual_points AS t (event_id, source_points_id, classes)
    SELECT ${eventRowId}, p->>'id', p->'classes'
    FROM jsonb_array_elements(${asJson(pages.map(({ id, page }) => ({ id, classes: page.classes })))}::jsonb) AS p
    ON CONFLICT (event_id, source_points_id) DO UPDATE SET classes = excluded.classes, updated_at = now()
    WHERE t.classes IS DISTINCT FROM excluded.classes
  `

const upsertOverall = (
  sql: SqlClient,
  eventRowId: bigint,
  ranking: SnapshotPage<OverallRanking>
) =>
  sql`
    INSERT INTO event_overall_rankings AS t (event_id, source_ranking_id, classes)
    VALUES (${eventRowId}, ${ranking.id}, ${JSON.stringify(ranking.page.classes)}::jsonb)
    ON CONFLICT (event_id) DO UPDATE SET
      source_ranking_id = excluded.source_ranking_id,
      classes = excluded.classes,
      updated_at = now()
    WHERE (t.source_ranking_id, t.classes) IS DISTINCT FROM (excluded.source_ranking_id, excluded.classes)
  `
