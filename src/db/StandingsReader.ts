import { Effect, Schema } from "effect"
import type { SqlClient } from "effect/sql/SqlClient"
import type { LiveRcId } from "../liverc/LiveRcIds.ts"
import { MultiMainResult } from "../liverc/models/MultiMainResult.ts"
import { OverallRankingClass } from "../liverc/models/OverallRanking.ts"
import { QualPoints } from "../liverc/models/QualPoints.ts"
import { RoundRanking } from "../liverc/models/RoundRanking.ts"
import { PersistenceError } from "./PersistenceError.ts"

/**
 * An event's stored standings pages, each in exactly the shape its `parse` command prints (the id
 * it is linked by in place of the one read from the URL), in the order the event page links them.
 * A linked page that is not stored (it answered 404 or did not parse) is not listed.
 */
export const StoredStandings = Schema.Struct({
  multiMainResults: Schema.Array(MultiMainResult),
  rankings: Schema.Array(RoundRanking),
  points: Schema.Array(QualPoints),
  /** The final ranking's class tables; empty when the event has none stored. */
  overallRanking: Schema.Array(OverallRankingClass)
})
export type StoredStandings = typeof StoredStandings.Type

export const noStandings: StoredStandings = { multiMainResults: [], rankings: [], points: [], overallRanking: [] }

const decodeStandings = Schema.decodeUnknownEffect(Schema.fromJsonString(StoredStandings))

/**
 * One statement. jsonb keeps no key order, so the rows are decoded with the page models, which
 * also puts every key back in the order the parsers print.
 */
export const readStandings = (sql: SqlClient, eventId: LiveRcId) =>
  Effect.gen(function*() {
    const rows = yield* sql<{ standings: string }>`
      SELECT json_build_object(
        'multiMainResults', coalesce((
          SELECT jsonb_agg(jsonb_build_object(
            'multiMainId', m.source_multi_main_id, 'className', m.class_name, 'label', m.label,
            'tieBreaker', m.tie_breaker, 'completedMains', m.completed_mains, 'totalMains', m.total_mains,
            'mains', m.mains, 'entries', m.entries
          ) ORDER BY l.ord)
          FROM jsonb_array_elements(e.multi_mains) WITH ORDINALITY AS l(link, ord)
          JOIN event_multi_main_results m ON m.event_id = e.id AND m.source_multi_main_id = l.link->>'id'
        ), '[]'::jsonb),
        'rankings', coalesce((
          SELECT jsonb_agg(jsonb_build_object(
            'roundId', r.source_round_id, 'order', r.sort_order, 'title', r.title, 'classes', r.classes
          ) ORDER BY l.ord)
          FROM jsonb_array_elements(e.round_rankings) WITH ORDINALITY AS l(link, ord)
          JOIN event_round_rankings r ON r.event_id = e.id AND r.source_round_id = l.link->>'id'
        ), '[]'::jsonb),
        'points', coalesce((
          SELECT jsonb_agg(jsonb_build_object('pointsId', p.source_points_id, 'classes', p.classes) ORDER BY l.ord)
          FROM jsonb_array_elements(e.points) WITH ORDINALITY AS l(link, ord)
          JOIN event_qual_points p ON p.event_id = e.id AND p.source_points_id = l.link->>'id'
        ), '[]'::jsonb),
        'overallRanking', coalesce((
          SELECT o.classes FROM event_overall_rankings o
          WHERE o.event_id = e.id AND o.source_ranking_id = e.overall_ranking_id
        ), '[]'::jsonb)
      )::text AS standings
      FROM events e
      WHERE e.source_event_id = ${eventId}
    `
    const row = rows[0]
    if (row === undefined) return noStandings
    return yield* decodeStandings(row.standings).pipe(
      Effect.mapError((error) =>
        new PersistenceError({
          operation: "EventReader.show",
          reason: "CorruptRow",
          detail: `stored standings of event ${eventId} do not read as their pages: ${error.message}`,
          sqlState: null,
          transient: false
        })
      )
    )
  })
