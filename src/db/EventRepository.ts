import { Context, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import type { TrackSlug } from "../liverc/LiveRcIds.ts"
import type { ListedEvent } from "../liverc/models/EventList.ts"
import { type PersistenceError, withPersistenceErrors } from "./PersistenceError.ts"
import { int4Array, textArray } from "./SqlArrays.ts"
import { ensureTrack } from "./TrackRow.ts"
import { toCounts, type UpsertCounts } from "./UpsertCounts.ts"

/**
 * Events as a track's events list shows them, so a UI can list them and ingest one by id. The list
 * always sets the start time and the track; name, date, entries and drivers only until the event
 * page itself has been stored, which is the better source for them. The ingest depth is never
 * touched: a sync cannot make an ingested event look less complete.
 */
export class EventRepository extends Context.Service<EventRepository, {
  readonly upsertListedEvents: (
    slug: TrackSlug,
    events: ReadonlyArray<ListedEvent>
  ) => Effect.Effect<UpsertCounts, PersistenceError>
}>()("liverc-ingest/db/EventRepository") {
  static readonly layer = Layer.effect(
    EventRepository,
    Effect.gen(function*() {
      const sql = yield* SqlClient

      const upsertListedEvents = Effect.fn("EventRepository.upsertListedEvents")(
        function*(slug: TrackSlug, events: ReadonlyArray<ListedEvent>) {
          const unique = [...new Map(events.map((event) => [event.eventId, event])).values()]
            .sort((a, b) => (a.eventId < b.eventId ? -1 : 1))
          if (unique.length === 0) return toCounts({ total: 0, new: 0, updated: 0 })
          const trackId = yield* ensureTrack(sql, slug)
          // `before` and the upsert read the same snapshot, so `before` holds the values prior to it.
          const rows = yield* sql<{ total: number; new: number; updated: number }>`
            WITH input AS (
              SELECT
                u.source_event_id, ${trackId}::int8 AS track_id, u.name, u.starts_at::timestamp AS starts_at,
                u.starts_at::timestamp::date AS date, u.entries, u.drivers
              FROM unnest(
                ${textArray(unique.map((event) => event.eventId))},
                ${textArray(unique.map((event) => event.name))},
                ${textArray(unique.map((event) => event.startsAt))},
                ${int4Array(unique.map((event) => event.entries))},
                ${int4Array(unique.map((event) => event.drivers))}
              ) AS u(source_event_id, name, starts_at, entries, drivers)
            ), before AS (
              SELECT e.source_event_id, e.track_id, e.name, e.starts_at, e.date, e.entries, e.drivers, e.page_stored_at
              FROM events e JOIN input USING (source_event_id)
            ), upsert AS (
              INSERT INTO events (source_event_id, track_id, name, starts_at, date, entries, drivers, listed_at)
              SELECT source_event_id, track_id, name, starts_at, date, entries, drivers, now() FROM input
              ON CONFLICT (source_event_id) DO UPDATE SET
                track_id = excluded.track_id,
                starts_at = excluded.starts_at,
                name = CASE WHEN events.page_stored_at IS NULL THEN excluded.name ELSE events.name END,
                date = CASE WHEN events.page_stored_at IS NULL THEN excluded.date ELSE events.date END,
                entries = CASE WHEN events.page_stored_at IS NULL THEN excluded.entries ELSE events.entries END,
                drivers = CASE WHEN events.page_stored_at IS NULL THEN excluded.drivers ELSE events.drivers END,
                listed_at = excluded.listed_at
              RETURNING 1
            )
            SELECT
              (SELECT count(*) FROM upsert)::int4 AS total,
              count(*) FILTER (WHERE b.source_event_id IS NULL)::int4 AS new,
              count(*) FILTER (
                WHERE b.source_event_id IS NOT NULL AND (
                  (b.track_id, b.starts_at) IS DISTINCT FROM (i.track_id, i.starts_at)
                  OR (b.page_stored_at IS NULL AND (b.name, b.date, b.entries, b.drivers)
                    IS DISTINCT FROM (i.name, i.date, i.entries, i.drivers))
                )
              )::int4 AS updated
            FROM input i LEFT JOIN before b USING (source_event_id)
          `
          return toCounts(rows[0]!)
        },
        withPersistenceErrors("EventRepository.upsertListedEvents")
      )

      return EventRepository.of({ upsertListedEvents })
    })
  )
}
