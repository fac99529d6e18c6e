import { Context, Effect, Layer, Option, Schema } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import { IngestDepth, LiveRcId, TrackSlug } from "../liverc/LiveRcIds.ts"
import { LinkedPage, PointsLink, RoundRankingLink } from "../liverc/models/EventPage.ts"
import { countEvent } from "./EventCounts.ts"
import type { WriteCounts } from "./EventSnapshot.ts"
import { type PersistenceError, withPersistenceErrors } from "./PersistenceError.ts"
import { readStandings, StoredStandings } from "./StandingsReader.ts"

const StoredDepth = Schema.Literals(["none", "summary", "laps_full"])

/** A stored race as `show event` lists it. */
export const StoredEventRace = Schema.Struct({
  raceId: LiveRcId,
  raceNumber: Schema.NullOr(Schema.Int),
  className: Schema.NullOr(Schema.String),
  label: Schema.NullOr(Schema.String),
  round: Schema.NullOr(Schema.String),
  /** Local track time `YYYY-MM-DDTHH:MM:SS`, as LiveRC prints it (no zone). */
  completedAt: Schema.NullOr(Schema.String),
  /** `none` while only the event page's listing of the race is stored. */
  ingestDepth: StoredDepth,
  results: Schema.Int,
  laps: Schema.Int
})
export type StoredEventRace = typeof StoredEventRace.Type

/** The standings pages the event page links, as it lists them. */
export const EventLinks = Schema.Struct({
  multiMains: Schema.Array(LinkedPage),
  points: Schema.Array(PointsLink),
  roundRankings: Schema.Array(RoundRankingLink),
  overallRankingId: Schema.NullOr(LiveRcId)
})
export type EventLinks = typeof EventLinks.Type

/**
 * A stored event as `show event` prints it and `GET /api/v1/events/{eventId}` answers it: the event
 * page's fields, what the events list said, its races in page order (a summary each) and its
 * standings pages (StoredStandings).
 */
export const StoredEvent = Schema.Struct({
  eventId: LiveRcId,
  trackSlug: TrackSlug,
  name: Schema.String,
  date: Schema.NullOr(Schema.String),
  dateEnd: Schema.NullOr(Schema.String),
  /** From the events list: local track time `YYYY-MM-DDTHH:MM:SS`. */
  startsAt: Schema.NullOr(Schema.String),
  entries: Schema.NullOr(Schema.Int),
  drivers: Schema.NullOr(Schema.Int),
  totalRaceLaps: Schema.NullOr(Schema.Int),
  entryListId: Schema.NullOr(LiveRcId),
  ingestDepth: StoredDepth,
  /** ISO 8601 UTC. */
  lastIngestedAt: Schema.NullOr(Schema.String),
  links: EventLinks,
  races: Schema.Array(StoredEventRace),
  ...StoredStandings.fields
})
export type StoredEvent = typeof StoredEvent.Type

/** A stored race's listing and how much of it is stored: what a refresh compares the event page with. */
export interface StoredRaceState {
  readonly raceId: LiveRcId
  readonly raceNumber: number | null
  readonly className: string | null
  /** Null when the race was stored without its event-page listing. */
  readonly label: string | null
  readonly round: string | null
  readonly completedAt: string | null
  readonly ingestDepth: IngestDepth | "none"
  /** Its result page is stored. */
  readonly hasResult: boolean
}

/** What an event refresh needs to know of the stored event before it fetches anything. */
export interface StoredRefreshState {
  /** EventPageHash of the stored event page; null before one was stored with it. */
  readonly pageHash: string | null
  readonly ingestDepth: IngestDepth | "none"
  readonly standingsRetry: boolean
  readonly entries: number | null
  readonly drivers: number | null
  readonly entryListId: LiveRcId | null
  readonly links: EventLinks
  /** In event-page order. */
  readonly races: ReadonlyArray<StoredRaceState>
  /** `multi-main:ID`, `round-ranking:ID`, `points:ID`, `overall-ranking:ID` of the stored standings pages. */
  readonly storedPages: ReadonlySet<string>
}

export class EventReader extends Context.Service<EventReader, {
  /** The event's stored races in event-page order: what a 304 on the event page still lists. */
  readonly storedRaceIds: (eventId: LiveRcId) => Effect.Effect<ReadonlyArray<LiveRcId>, PersistenceError>
  /** The track a stored event belongs to, for ingesting an event by id alone. */
  readonly findTrackSlug: (eventId: LiveRcId) => Effect.Effect<Option.Option<TrackSlug>, PersistenceError>
  readonly show: (eventId: LiveRcId) => Effect.Effect<Option.Option<StoredEvent>, PersistenceError>
  readonly refreshState: (eventId: LiveRcId) => Effect.Effect<Option.Option<StoredRefreshState>, PersistenceError>
  /** What is stored for an event, as an ingest reports it; zeros for an event not stored. */
  readonly counts: (eventId: LiveRcId) => Effect.Effect<WriteCounts, PersistenceError>
}>()("liverc-ingest/db/EventReader") {
  static readonly layer = Layer.effect(
    EventReader,
    Effect.gen(function*() {
      const sql = yield* SqlClient

      const storedRaceIds = Effect.fn("EventReader.storedRaceIds")(function*(eventId: LiveRcId) {
        const rows = yield* sql<{ source_race_id: LiveRcId }>`
          SELECT r.source_race_id FROM races r JOIN events e ON e.id = r.event_id
          WHERE e.source_event_id = ${eventId}
          ORDER BY r.listing_order NULLS LAST, r.id
        `.pipe(withPersistenceErrors("EventReader.storedRaceIds"))
        return rows.map((row) => row.source_race_id)
      })

      const findTrackSlug = Effect.fn("EventReader.findTrackSlug")(function*(eventId: LiveRcId) {
        const rows = yield* sql<{ slug: TrackSlug }>`
          SELECT t.slug FROM events e JOIN tracks t ON t.id = e.track_id WHERE e.source_event_id = ${eventId}
        `.pipe(withPersistenceErrors("EventReader.findTrackSlug"))
        return Option.fromNullishOr(rows[0]?.slug)
      })

      // Two statements in one REPEATABLE READ transaction, so the event, its races and its
      // standings come from one snapshot.
      const show = Effect.fn("EventReader.show")(function*(eventId: LiveRcId) {
        return yield* sql.withTransaction(Effect.gen(function*() {
          yield* sql`SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY`
          const rows = yield* sql<ShowRow>`
            SELECT
              e.source_event_id, t.slug, e.name, to_char(e.date, 'YYYY-MM-DD') AS date,
              to_char(e.date_end, 'YYYY-MM-DD') AS date_end,
              to_char(e.starts_at, 'YYYY-MM-DD"T"HH24:MI:SS') AS starts_at,
              e.entries, e.drivers, e.total_race_laps, e.entry_list_id, e.multi_mains::text AS multi_mains,
              e.points::text AS points, e.round_rankings::text AS round_rankings, e.overall_ranking_id,
              e.ingest_depth, to_char(e.last_ingested_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS last_ingested_at,
              r.source_race_id, r.race_number, r.class_name, r.label, r.round,
              to_char(r.completed_at, 'YYYY-MM-DD"T"HH24:MI:SS') AS completed_at, r.ingest_depth AS race_ingest_depth,
              (SELECT count(*) FROM race_results rr WHERE rr.race_id = r.id)::int4 AS result_count,
              (
                SELECT count(*) FROM laps l JOIN race_results rr ON rr.id = l.race_result_id WHERE rr.race_id = r.id
              )::int4 AS lap_count
            FROM events e
            JOIN tracks t ON t.id = e.track_id
            LEFT JOIN races r ON r.event_id = e.id
            WHERE e.source_event_id = ${eventId}
            ORDER BY r.listing_order NULLS LAST, r.id
          `
          const head = rows[0]
          if (head === undefined) return Option.none<StoredEvent>()
          const standings = yield* readStandings(sql, eventId)
          const event: StoredEvent = {
            eventId: head.source_event_id,
            trackSlug: head.slug,
            name: head.name,
            date: head.date,
            dateEnd: head.date_end,
            startsAt: head.starts_at,
            entries: head.entries,
            drivers: head.drivers,
            totalRaceLaps: head.total_race_laps,
            entryListId: head.entry_list_id,
            ingestDepth: head.ingest_depth,
            lastIngestedAt: head.last_ingested_at,
            links: linksOf(head),
            races: rows.flatMap((row): Array<StoredEventRace> =>
              row.source_race_id === null ? [] : [{
                raceId: row.source_race_id,
                raceNumber: row.race_number,
                className: row.class_name,
                label: row.label,
                round: row.round,
                completedAt: row.completed_at,
                ingestDepth: row.race_ingest_depth!,
                results: row.result_count!,
                laps: row.lap_count!
              }]
            ),
            ...standings
          }
          return Option.some(event)
        })).pipe(withPersistenceErrors("EventReader.show"))
      })

      const refreshState = Effect.fn("EventReader.refreshState")(function*(eventId: LiveRcId) {
        const rows = yield* sql<RefreshRow>`
          SELECT
            e.page_hash, e.ingest_depth, e.standings_retry, e.entries, e.drivers, e.entry_list_id,
            e.multi_mains::text AS multi_mains, e.points::text AS points, e.round_rankings::text AS round_rankings,
            e.overall_ranking_id,
            coalesce((
              SELECT json_agg(json_build_object(
                'raceId', r.source_race_id, 'raceNumber', r.race_number, 'className', r.class_name,
                'label', r.label, 'round', r.round,
                'completedAt', to_char(r.completed_at, 'YYYY-MM-DD"T"HH24:MI:SS'),
                'ingestDepth', r.ingest_depth, 'hasResult', r.page_class_name IS NOT NULL
              ) ORDER BY r.listing_order NULLS LAST, r.id)
              FROM races r WHERE r.event_id = e.id
            ), '[]')::text AS races,
            array(
              SELECT 'multi-main:' || source_multi_main_id FROM event_multi_main_results WHERE event_id = e.id
              UNION ALL SELECT 'round-ranking:' || source_round_id FROM event_round_rankings WHERE event_id = e.id
              UNION ALL SELECT 'points:' || source_points_id FROM event_qual_points WHERE event_id = e.id
              UNION ALL SELECT 'overall-ranking:' || source_ranking_id FROM event_overall_rankings WHERE event_id = e.id
            ) AS stored_pages
          FROM events e
          WHERE e.source_event_id = ${eventId}
        `.pipe(withPersistenceErrors("EventReader.refreshState"))
        const row = rows[0]
        if (row === undefined) return Option.none<StoredRefreshState>()
        return Option.some<StoredRefreshState>({
          pageHash: row.page_hash,
          ingestDepth: row.ingest_depth,
          standingsRetry: row.standings_retry,
          entries: row.entries,
          drivers: row.drivers,
          entryListId: row.entry_list_id,
          links: linksOf(row),
          // Written by EventWriter from checked page models, hence the cast.
          races: JSON.parse(row.races) as ReadonlyArray<StoredRaceState>,
          storedPages: new Set(row.stored_pages)
        })
      })

      const counts = Effect.fn("EventReader.counts")(function*(eventId: LiveRcId) {
        const rows = yield* sql<{ id: bigint }>`SELECT id FROM events WHERE source_event_id = ${eventId}`.pipe(
          withPersistenceErrors("EventReader.counts")
        )
        const id = rows[0]?.id
        if (id === undefined) return { races: 0, results: 0, drivers: 0, laps: 0 }
        return yield* countEvent(sql, id).pipe(withPersistenceErrors("EventReader.counts"))
      })

      return EventReader.of({ storedRaceIds, findTrackSlug, show, refreshState, counts })
    })
  )
}

interface LinkColumns {
  readonly multi_mains: string
  readonly points: string
  readonly round_rankings: string
  readonly overall_ranking_id: LiveRcId | null
}

/** The link lists as stored (checked page models), trimmed to their fields in model order. */
const linksOf = (row: LinkColumns): EventLinks => ({
  multiMains: (JSON.parse(row.multi_mains) as ReadonlyArray<typeof LinkedPage.Type>).map(({ id, label }) => ({ id, label })),
  points: (JSON.parse(row.points) as ReadonlyArray<typeof PointsLink.Type>).map((
    { id, label, roundsCompleted, roundsTotal }
  ) => ({ id, label, roundsCompleted, roundsTotal })),
  roundRankings: (JSON.parse(row.round_rankings) as ReadonlyArray<typeof RoundRankingLink.Type>).map((
    { id, label, order }
  ) => ({ id, label, order })),
  overallRankingId: row.overall_ranking_id
})

interface ShowRow extends LinkColumns {
  readonly source_event_id: LiveRcId
  readonly slug: TrackSlug
  readonly name: string
  readonly date: string | null
  readonly date_end: string | null
  readonly starts_at: string | null
  readonly entries: number | null
  readonly drivers: number | null
  readonly total_race_laps: number | null
  readonly entry_list_id: LiveRcId | null
  readonly ingest_depth: IngestDepth | "none"
  readonly last_ingested_at: string | null
  readonly source_race_id: LiveRcId | null
  readonly race_number: number | null
  readonly class_name: string | null
  readonly label: string | null
  readonly round: string | null
  readonly completed_at: string | null
  readonly race_ingest_depth: IngestDepth | "none" | null
  readonly result_count: number | null
  readonly lap_count: number | null
}

interface RefreshRow extends LinkColumns {
  readonly page_hash: string | null
  readonly ingest_depth: IngestDepth | "none"
  readonly standings_retry: boolean
  readonly entries: number | null
  readonly drivers: number | null
  readonly entry_list_id: LiveRcId | null
  readonly races: string
  readonly stored_pages: ReadonlyArray<string>
}
