import { Context, Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import type { IngestDepth, LiveRcId, TrackSlug } from "../liverc/LiveRcIds.ts"
import type { LinkedPage, PointsLink, RoundRankingLink } from "../liverc/models/EventPage.ts"
import { type PersistenceError, withPersistenceErrors } from "./PersistenceError.ts"

/** A stored race as `show event` lists it. */
export interface StoredEventRace {
  readonly raceId: LiveRcId
  readonly raceNumber: number | null
  readonly className: string | null
  readonly label: string | null
  readonly round: string | null
  readonly completedAt: string | null
  readonly ingestDepth: IngestDepth | "none"
  readonly results: number
  readonly laps: number
}

/** A stored event as `show event` prints it: the event page's fields, what the events list said, and its races in page order. */
export interface StoredEvent {
  readonly eventId: LiveRcId
  readonly trackSlug: TrackSlug
  readonly name: string
  readonly date: string | null
  readonly dateEnd: string | null
  readonly startsAt: string | null
  readonly entries: number | null
  readonly drivers: number | null
  readonly totalRaceLaps: number | null
  readonly entryListId: LiveRcId | null
  readonly multiMains: ReadonlyArray<typeof LinkedPage.Type>
  readonly points: ReadonlyArray<typeof PointsLink.Type>
  readonly roundRankings: ReadonlyArray<typeof RoundRankingLink.Type>
  readonly overallRankingId: LiveRcId | null
  readonly ingestDepth: IngestDepth | "none"
  /** ISO 8601 UTC. */
  readonly lastIngestedAt: string | null
  readonly races: ReadonlyArray<StoredEventRace>
}

export class EventReader extends Context.Service<EventReader, {
  /** The event's stored races in event-page order: what a 304 on the event page still lists. */
  readonly storedRaceIds: (eventId: LiveRcId) => Effect.Effect<ReadonlyArray<LiveRcId>, PersistenceError>
  /** The track a stored event belongs to, for ingesting an event by id alone. */
  readonly findTrackSlug: (eventId: LiveRcId) => Effect.Effect<Option.Option<TrackSlug>, PersistenceError>
  readonly show: (eventId: LiveRcId) => Effect.Effect<Option.Option<StoredEvent>, PersistenceError>
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

      // One statement, so the event and its races come from one snapshot.
      const show = Effect.fn("EventReader.show")(function*(eventId: LiveRcId) {
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
        `.pipe(withPersistenceErrors("EventReader.show"))
        const head = rows[0]
        if (head === undefined) return Option.none<StoredEvent>()
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
          multiMains: (JSON.parse(head.multi_mains) as ReadonlyArray<typeof LinkedPage.Type>).map(({ id, label }) => ({
            id,
            label
          })),
          points: (JSON.parse(head.points) as ReadonlyArray<typeof PointsLink.Type>).map((
            { id, label, roundsCompleted, roundsTotal }
          ) => ({ id, label, roundsCompleted, roundsTotal })),
          roundRankings: (JSON.parse(head.round_rankings) as ReadonlyArray<typeof RoundRankingLink.Type>).map((
            { id, label, order }
          ) => ({ id, label, order })),
          overallRankingId: head.overall_ranking_id,
          ingestDepth: head.ingest_depth,
          lastIngestedAt: head.last_ingested_at,
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
          )
        }
        return Option.some(event)
      })

      return EventReader.of({ storedRaceIds, findTrackSlug, show })
    })
  )
}

interface ShowRow {
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
  readonly multi_mains: string
  readonly points: string
  readonly round_rankings: string
  readonly overall_ranking_id: LiveRcId | null
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
