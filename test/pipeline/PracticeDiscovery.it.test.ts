import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { JobStatus } from "../../src/jobs/JobStatus.ts"
import { startSyncRig, type SyncRig } from "./SyncRig.ts"

/** `discover_practice` jobs through the real worker against the simulator. */

let rig: SyncRig
beforeAll(async () => {
  rig = await startSyncRig()
  await rig.startWorker()
}, 60_000)
afterAll(async () => {
  await rig?.close()
})

const result = (status: JobStatus) => status.result as Record<string, unknown>

const requestsOf = (kind: string) => rig.sim.stats().byKind[kind]?.total ?? 0

const storedDays = (slug: string) =>
  rig.query<{ date: string; sessions: number }>(
    `SELECT d.date::text AS date, count(s.id)::int4 AS sessions
     FROM practice_days d JOIN tracks t ON t.id = d.track_id LEFT JOIN practice_sessions s ON s.practice_day_id = d.id
     WHERE t.slug = $1 GROUP BY d.date ORDER BY d.date`,
    [slug]
  )

const timed = async (fields: Record<string, unknown>) => {
  const started = performance.now()
  const status = await rig.run(fields)
  return { status, elapsedMs: performance.now() - started }
}

describe("practice discovery", () => {
  describe("a month whose calendar says nothing, with three slow empty days", () => {
    const slug = "probe-park"
    const practiceDays = ["2025-10-04", "2025-10-11", "2025-10-25"]
    const command = { kind: "discover_practice", track_slug: slug, from: "2025-10-01", to: "2025-10-30" }

    beforeAll(() => {
      rig.sim.configure({
        practice: { calendar: "blank", days: practiceDays, sessionsPerDay: { min: 2, max: 4 } },
        latencyRules: [{ match: "session_list&d=2025-10-(07|15|22)$", latency: { fixedMs: 5_000 } }]
      })
    })
    afterAll(() => {
      rig.sim.configure({ practice: { calendar: "listed", days: null }, latencyRules: [] })
    })

    it("probes the 30 days concurrently, finishing in about one slow day's time, and stores the practice days", async () => {
      rig.sim.resetStats()
      const { status, elapsedMs } = await timed(command)
      expect(status.status, JSON.stringify(status)).toBe("completed")
      // Probed one after another the slow days alone would take 15 s; the cap of 4 lets them overlap.
      expect(elapsedMs).toBeGreaterThan(5_000)
      expect(elapsedMs).toBeLessThan(12_000)
      const sessions = practiceDays.map((date) => rig.sim.data().practiceDay(slug, date).sessions.length)
      expect(result(status)).toMatchObject({
        months: 1,
        months_listed: 0,
        days_probed: 30,
        days_known_empty: 0,
        practice_days: 3,
        practice_dates: practiceDays,
        sessions: sessions.reduce((a, b) => a + b, 0),
        sessions_new: sessions.reduce((a, b) => a + b, 0),
        days_failed: 0
      })
      expect(requestsOf("practice-month")).toBe(1)
      expect(requestsOf("practice-day")).toBe(30)
      expect(await storedDays(slug)).toEqual(practiceDays.map((date, i) => ({ date, sessions: sessions[i] })))
    })

    it("a second run within the TTL asks only about the days that had sessions", async () => {
      rig.sim.resetStats()
      const { status, elapsedMs } = await timed(command)
      expect(status.status).toBe("completed")
      expect(result(status)).toMatchObject({
        days_probed: 3,
        days_known_empty: 27,
        practice_days: 3,
        sessions_new: 0,
        sessions_updated: 0
      })
      expect(requestsOf("practice-day")).toBe(3)
      // The slow days are known empty now.
      expect(elapsedMs).toBeLessThan(5_000)
    })
  })

  describe("month views that list their practice days", () => {
    const slug = "listed-lanes"

    it("reads only the listed days of each month in the range, none other", async () => {
      rig.sim.configure({ practice: { calendar: "listed", days: ["2025-08-30", "2025-09-02", "2025-09-20", "2025-09-28"] } })
      rig.sim.resetStats()
      const status = await rig.run({ kind: "discover_practice", track_slug: slug, from: "2025-08-15", to: "2025-09-25" })
      expect(status.status, JSON.stringify(status)).toBe("completed")
      expect(result(status)).toMatchObject({
        months: 2,
        months_listed: 2,
        days_probed: 0,
        practice_days: 3,
        practice_dates: ["2025-08-30", "2025-09-02", "2025-09-20"]
      })
      expect(requestsOf("practice-month")).toBe(2)
      expect(requestsOf("practice-day")).toBe(3)
      expect((await storedDays(slug)).map((day) => day.date)).toEqual(["2025-08-30", "2025-09-02", "2025-09-20"])
    })

    it("at laps_full stores every session's laps, and a second run fetches no session again", async () => {
      const days = ["2025-07-05", "2025-07-06"]
      rig.sim.configure({
        practice: { calendar: "listed", days, sessionsPerDay: { min: 2, max: 3 }, lapsPerSession: { min: 3, max: 8 } }
      })
      const command = { kind: "discover_practice", track_slug: slug, from: "2025-07-01", to: "2025-07-10", depth: "laps_full" }
      const sessions = days.flatMap((date) => rig.sim.data().practiceDay(slug, date).sessions)
      const expectedLaps = sessions.map((session) => ({
        session: session.sessionId,
        laps: rig.sim.data().practiceSession(session.sessionId).laps.map((lap) => lap.timeMs)
      }))

      rig.sim.resetStats()
      const first = await rig.run(command)
      expect(first.status, JSON.stringify(first)).toBe("completed")
      expect(result(first)).toMatchObject({
        depth: "laps_full",
        practice_days: 2,
        sessions: sessions.length,
        sessions_with_laps_fetched: sessions.length,
        laps: expectedLaps.reduce((sum, s) => sum + s.laps.length, 0),
        sessions_failed: 0
      })
      expect(requestsOf("practice-session")).toBe(sessions.length)
      const stored = await rig.query<{ session: string; laps: Array<number>; depth: string }>(
        `SELECT s.source_session_id AS session, array_agg(l.time_ms ORDER BY l.lap) AS laps, s.ingest_depth AS depth
         FROM practice_sessions s JOIN practice_laps l ON l.practice_session_id = s.id
         WHERE s.source_session_id = ANY ($1) GROUP BY s.id ORDER BY s.source_session_id`,
        [sessions.map((session) => session.sessionId)]
      )
      expect(stored).toEqual(
        expectedLaps
          .map((s) => ({ ...s, depth: "laps_full" }))
          .sort((a, b) => (a.session < b.session ? -1 : 1))
      )

      rig.sim.resetStats()
      const second = await rig.run(command)
      expect(result(second)).toMatchObject({ practice_days: 2, sessions_with_laps_fetched: 0, laps: 0 })
      expect(requestsOf("practice-session")).toBe(0)
    })
  })

  describe("with a 1 s page timeout and month views slower than that", () => {
    beforeAll(async () => {
      await rig.startWorker({ PRACTICE_DAY_TIMEOUT: "1s" })
      rig.sim.configure({
        practice: { calendar: "listed", days: ["2025-06-14"] },
        latencyRules: [{ match: "p=calendar", latency: { fixedMs: 3_000 } }]
      })
    })
    afterAll(async () => {
      rig.sim.configure({ practice: { days: null }, latencyRules: [] })
      await rig.startWorker()
    })

    it("gives up on the month view and probes its days instead", async () => {
      const status = await rig.run({ kind: "discover_practice", track_slug: "slowcal-speedway", from: "2025-06-10", to: "2025-06-16" })
      expect(status.status, JSON.stringify(status)).toBe("completed")
      expect(result(status)).toMatchObject({ months_listed: 0, days_probed: 7, practice_days: 1, practice_dates: ["2025-06-14"] })
    })
  })

  describe("refused commands", () => {
    it("fails terminally with TRACK_NOT_FOUND when LiveRC does not know the track", async () => {
      rig.sim.configure({ unknownTracks: ["ghost-track"] })
      try {
        const status = await rig.run({ kind: "discover_practice", track_slug: "ghost-track", from: "2025-05-01", to: "2025-05-31" })
        expect(status).toMatchObject({ status: "failed", error_code: "TRACK_NOT_FOUND", attempts: 1 })
      } finally {
        rig.sim.configure({ unknownTracks: [] })
      }
    })

    it("fails terminally on a range that ends before it starts, or is too long, without asking LiveRC", async () => {
      rig.sim.resetStats()
      const backwards = await rig.run({ kind: "discover_practice", track_slug: "any-track", from: "2025-05-10", to: "2025-05-01" })
      expect(backwards).toMatchObject({ status: "failed", error_code: "INVALID_RANGE" })
      const long = await rig.run({ kind: "discover_practice", track_slug: "any-track", from: "2020-01-01", to: "2025-01-01" })
      expect(long).toMatchObject({ status: "failed", error_code: "RANGE_TOO_LONG" })
      expect(rig.sim.stats().total).toBe(0)
    })
  })
})
