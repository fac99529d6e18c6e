import { Context, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import type { LiveRcId, TrackSlug } from "../liverc/LiveRcIds.ts"
import type { PracticeDayView, PracticeSessionDetail } from "../liverc/models/Practice.ts"
import { lockForTransaction, practiceSessionLockKey } from "./AdvisoryLock.ts"
import { type PersistenceError, withPersistenceErrors } from "./PersistenceError.ts"
import { int4Array, textArray } from "./SqlArrays.ts"
import { ensureTrack } from "./TrackRow.ts"
import { toCounts, type UpsertCounts } from "./UpsertCounts.ts"

/**
 * Practice days found by discovery, their sessions as the day view lists them, and a session's
 * detail with its laps once ingested. A session whose lap count changes on the day view is marked
 * `summary` again, so its laps are fetched anew.
 */
export class PracticeRepository extends Context.Service<PracticeRepository, {
  /** Stores the day and upserts its sessions; counts are of sessions. Sessions are never deleted here. */
  readonly upsertDay: (slug: TrackSlug, day: PracticeDayView) => Effect.Effect<UpsertCounts, PersistenceError>
  /** Stores a session's detail and makes its stored laps exactly the page's, atomically. */
  readonly writeSession: (
    slug: TrackSlug,
    sessionId: LiveRcId,
    detail: PracticeSessionDetail
  ) => Effect.Effect<{ readonly laps: number }, PersistenceError>
  /** Of `sessionIds`, those whose laps are stored and still match the day view's lap count. */
  readonly withLaps: (sessionIds: ReadonlyArray<LiveRcId>) => Effect.Effect<ReadonlySet<LiveRcId>, PersistenceError>
}>()("liverc-ingest/db/PracticeRepository") {
  static readonly layer = Layer.effect(
    PracticeRepository,
    Effect.gen(function*() {
      const sql = yield* SqlClient

      const upsertDayRow = (slug: TrackSlug, date: string) =>
        Effect.gen(function*() {
          const trackId = yield* ensureTrack(sql, slug)
          const rows = yield* sql<{ id: bigint }>`
            INSERT INTO practice_days (track_id, date) VALUES (${trackId}, ${date}::date)
            ON CONFLICT (track_id, date) DO UPDATE SET updated_at = now()
            RETURNING id
          `
          return rows[0]!.id
        })

      const upsertDay = Effect.fn("PracticeRepository.upsertDay")(
        function*(slug: TrackSlug, day: PracticeDayView) {
          const dayId = yield* upsertDayRow(slug, day.date)
          const sessions = [...new Map(day.sessions.map((session) => [session.sessionId, session])).values()]
            .sort((a, b) => (a.sessionId < b.sessionId ? -1 : 1))
          if (sessions.length === 0) return toCounts({ total: 0, new: 0, updated: 0 })
          // `before` and the upsert read the same snapshot, so `before` holds the values prior to it.
          const rows = yield* sql<{ total: number; new: number; updated: number }>`
            WITH input AS (
              SELECT
                u.source_session_id, ${dayId}::int8 AS practice_day_id, u.driver_name, u.class_name, u.transponder,
                u.started_at::timestamp AS started_at, u.lap_count, u.duration_ms, u.fast_lap_ms, u.avg_lap_ms
              FROM unnest(
                ${textArray(sessions.map((session) => session.sessionId))},
                ${textArray(sessions.map((session) => session.driverName))},
                ${textArray(sessions.map((session) => session.className))},
                ${textArray(sessions.map((session) => session.transponder))},
                ${textArray(sessions.map((session) => session.startedAt))},
                ${int4Array(sessions.map((session) => session.lapCount))},
                ${int4Array(sessions.map((session) => session.durationMs))},
                ${int4Array(sessions.map((session) => session.fastLapMs))},
                ${int4Array(sessions.map((session) => session.avgLapMs))}
              ) AS u(
                source_session_id, driver_name, class_name, transponder, started_at, lap_count, duration_ms,
                fast_lap_ms, avg_lap_ms
              )
            ), before AS (
              SELECT s.* FROM practice_sessions s JOIN input USING (source_session_id)
            ), upsert AS (
              INSERT INTO practice_sessions (
                source_session_id, practice_day_id, driver_name, class_name, transponder, started_at, lap_count,
                duration_ms, fast_lap_ms, avg_lap_ms
              )
              SELECT * FROM input
              ON CONFLICT (source_session_id) DO UPDATE SET
                practice_day_id = excluded.practice_day_id,
                driver_name = excluded.driver_name,
                class_name = excluded.class_name,
                transponder = excluded.transponder,
                started_at = excluded.started_at,
                lap_count = excluded.lap_count,
                duration_ms = excluded.duration_ms,
                fast_lap_ms = excluded.fast_lap_ms,
                avg_lap_ms = excluded.avg_lap_ms,
                ingest_depth = CASE WHEN practice_sessions.lap_count = excluded.lap_count
                  THEN practice_sessions.ingest_depth ELSE 'summary' END,
                updated_at = now()
              RETURNING 1
            )
            SELECT
              (SELECT count(*) FROM upsert)::int4 AS total,
              count(*) FILTER (WHERE b.source_session_id IS NULL)::int4 AS new,
              count(*) FILTER (
                WHERE b.source_session_id IS NOT NULL AND (
                  b.practice_day_id, b.driver_name, b.class_name, b.transponder, b.started_at, b.lap_count,
                  b.duration_ms, b.fast_lap_ms, b.avg_lap_ms
                ) IS DISTINCT FROM (
                  i.practice_day_id, i.driver_name, i.class_name, i.transponder, i.started_at, i.lap_count,
                  i.duration_ms, i.fast_lap_ms, i.avg_lap_ms
                )
              )::int4 AS updated
            FROM input i LEFT JOIN before b USING (source_session_id)
          `
          return toCounts(rows[0]!)
        },
        withPersistenceErrors("PracticeRepository.upsertDay")
      )

      const writeSession = Effect.fn("PracticeRepository.writeSession")(
        function*(slug: TrackSlug, sessionId: LiveRcId, detail: PracticeSessionDetail) {
          return yield* sql.withTransaction(Effect.gen(function*() {
            yield* lockForTransaction(sql, practiceSessionLockKey(sessionId))
            const dayId = yield* upsertDayRow(slug, detail.startedAt.slice(0, 10))
            const sessions = yield* sql<{ id: bigint }>`
              INSERT INTO practice_sessions (
                source_session_id, practice_day_id, driver_name, class_name, transponder, started_at, lap_count,
                duration_ms, fast_lap_ms, avg_lap_ms, consistency_pct, ingest_depth
              ) VALUES (
                ${sessionId}, ${dayId}, ${detail.driverName}, ${detail.className}, ${detail.transponder},
                ${detail.startedAt}::timestamp, ${detail.lapCount}, ${detail.durationMs}::int4, ${detail.fastLapMs}::int4,
                ${detail.avgLapMs}::int4, ${detail.consistencyPct}::float8, 'laps_full'
              )
              ON CONFLICT (source_session_id) DO UPDATE SET
                practice_day_id = excluded.practice_day_id,
                driver_name = excluded.driver_name,
                class_name = excluded.class_name,
                transponder = excluded.transponder,
                started_at = excluded.started_at,
                lap_count = excluded.lap_count,
                duration_ms = excluded.duration_ms,
                fast_lap_ms = excluded.fast_lap_ms,
                avg_lap_ms = excluded.avg_lap_ms,
                consistency_pct = excluded.consistency_pct,
                ingest_depth = excluded.ingest_depth,
                updated_at = now()
              RETURNING id
            `
            const id = sessions[0]!.id
            // Keyed by lap number: a page listing a lap twice keeps its last time.
            const laps = [...new Map(detail.laps.map((lap) => [lap.lap, lap])).values()]
            yield* sql`
              WITH input AS (
                SELECT * FROM unnest(${int4Array(laps.map((lap) => lap.lap))}, ${
              int4Array(laps.map((lap) => lap.timeMs))
            }) AS u(lap, time_ms)
              ), gone AS (
                DELETE FROM practice_laps l
                WHERE l.practice_session_id = ${id}
                  AND NOT EXISTS (SELECT 1 FROM input i WHERE i.lap = l.lap)
              )
              INSERT INTO practice_laps (practice_session_id, lap, time_ms)
              SELECT ${id}, lap, time_ms FROM input
              ON CONFLICT (practice_session_id, lap) DO UPDATE SET time_ms = excluded.time_ms
              WHERE practice_laps.time_ms IS DISTINCT FROM excluded.time_ms
            `
            return { laps: laps.length }
          }))
        },
        withPersistenceErrors("PracticeRepository.writeSession")
      )

      const withLaps = Effect.fn("PracticeRepository.withLaps")(
        function*(sessionIds: ReadonlyArray<LiveRcId>) {
          if (sessionIds.length === 0) return new Set<LiveRcId>()
          const rows = yield* sql<{ source_session_id: LiveRcId }>`
            SELECT source_session_id FROM practice_sessions
            WHERE source_session_id = ANY (${textArray(sessionIds)}) AND ingest_depth = 'laps_full'
          `
          return new Set(rows.map((row) => row.source_session_id))
        },
        withPersistenceErrors("PracticeRepository.withLaps")
      )

      return PracticeRepository.of({ upsertDay, writeSession, withLaps })
    })
  )
}
