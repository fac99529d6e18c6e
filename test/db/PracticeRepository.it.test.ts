import { assert, layer } from "@effect/vitest"
import { Effect } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import { PracticeRepository } from "../../src/db/PracticeRepository.ts"
import type { LiveRcId } from "../../src/liverc/LiveRcIds.ts"
import type { PracticeDayView, PracticeSessionDetail, PracticeSessionSummary } from "../../src/liverc/models/Practice.ts"
import { migratedDatabase } from "./DbTestLayer.ts"
import { slug } from "./Fixtures.ts"

const session = (sessionId: string, lapCount: number): PracticeSessionSummary => ({
  sessionId: sessionId as LiveRcId,
  driverName: `Driver ${sessionId}`,
  className: "1/8 Nitro Buggy",
  transponder: "1234567",
  startedAt: "2025-10-25T14:43:27",
  lapCount,
  durationMs: 229_000,
  fastLapMs: 44_564,
  avgLapMs: 45_800
})

const day = (sessions: ReadonlyArray<PracticeSessionSummary>): PracticeDayView => ({ date: "2025-10-25", sessions })

const detail = (sessionId: string, times: ReadonlyArray<number>): PracticeSessionDetail => ({
  ...session(sessionId, times.length),
  sessionId: sessionId as LiveRcId,
  consistencyPct: 97.1,
  laps: times.map((timeMs, index) => ({ lap: index + 1, timeMs }))
})

const storedLaps = (sessionId: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient
    return yield* sql<{ lap: number; time_ms: number }>`
      SELECT l.lap, l.time_ms FROM practice_laps l JOIN practice_sessions s ON s.id = l.practice_session_id
      WHERE s.source_session_id = ${sessionId} ORDER BY l.lap
    `
  })

const depthOf = (sessionId: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient
    const rows = yield* sql<{ ingest_depth: string }>`
      SELECT ingest_depth FROM practice_sessions WHERE source_session_id = ${sessionId}
    `
    return rows[0]?.ingest_depth
  })

layer(migratedDatabase, { excludeTestServices: true })("PracticeRepository", (it) => {
  it.effect("stores a day's sessions once and counts what a second discovery changed", () =>
    Effect.gen(function*() {
      const repository = yield* PracticeRepository
      const sessions = [session("8001", 10), session("8002", 12)]
      assert.deepStrictEqual(yield* repository.upsertDay(slug, day(sessions)), { new: 2, updated: 0, unchanged: 0 })
      assert.deepStrictEqual(yield* repository.upsertDay(slug, day(sessions)), { new: 0, updated: 0, unchanged: 2 })
      assert.deepStrictEqual(
        yield* repository.upsertDay(slug, day([sessions[0]!, session("8002", 13), session("8003", 4)])),
        { new: 1, updated: 1, unchanged: 1 }
      )
      assert.deepStrictEqual(yield* repository.upsertDay(slug, day([])), { new: 0, updated: 0, unchanged: 0 })
    }))

  it.effect("a session's laps are replaced by the page's; a grown lap count marks the session summary again", () =>
    Effect.gen(function*() {
      const repository = yield* PracticeRepository
      yield* repository.upsertDay(slug, day([session("8101", 3)]))
      assert.strictEqual(yield* depthOf("8101"), "summary")
      assert.deepStrictEqual(yield* repository.writeSession(slug, "8101" as LiveRcId, detail("8101", [44564, 45001, 46000])), {
        laps: 3
      })
      assert.strictEqual(yield* depthOf("8101"), "laps_full")
      yield* repository.writeSession(slug, "8101" as LiveRcId, detail("8101", [44000, 45001]))
      assert.deepStrictEqual(yield* storedLaps("8101"), [{ lap: 1, time_ms: 44000 }, { lap: 2, time_ms: 45001 }])
      yield* repository.upsertDay(slug, day([session("8101", 5)]))
      assert.strictEqual(yield* depthOf("8101"), "summary")
    }))

  it.effect("a session ingested before its day was discovered creates the day", () =>
    Effect.gen(function*() {
      const repository = yield* PracticeRepository
      yield* repository.writeSession(slug, "8201" as LiveRcId, detail("8201", [50000]))
      const sql = yield* SqlClient
      const rows = yield* sql<{ date: string }>`
        SELECT d.date FROM practice_days d JOIN practice_sessions s ON s.practice_day_id = d.id
        WHERE s.source_session_id = '8201'
      `
      assert.deepStrictEqual(rows.map((row) => row.date), ["2025-10-25"])
    }))
})
