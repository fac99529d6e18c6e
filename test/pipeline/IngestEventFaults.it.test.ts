import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { eventLockKey } from "../../src/db/AdvisoryLock.ts"
import type { JobStatus } from "../../src/jobs/JobStatus.ts"
import { IngestStreams } from "../../src/queue/IngestStreams.ts"
import {
  type CliWorker,
  eventually,
  type IngestRig,
  rowCounts,
  servedEvent,
  sqlAccess,
  startRig
} from "../support/IngestRig.ts"
import { inIngest, sleep } from "../support/QueueProbe.ts"

/**
 * The event ingest under trouble, on worker processes as shipped: what Postgres sees while a job
 * waits on a slow LiveRC, Postgres going away during the write, and a worker killed mid-job.
 */

const workerApp = "liverc-ingest-worker"

/** Latency for one event's pages only: its event page, entry list (same id) and race pages (id * 100 + k). */
const slowEvent = (eventId: string, fixedMs: number) => ({
  match: `[?&]id=${eventId}(\\d\\d)?$`,
  latency: { fixedMs }
})

describe("ingest_event under faults", () => {
  let rig: IngestRig
  let worker: CliWorker

  beforeAll(async () => {
    rig = await startRig()
    worker = await rig.startWorker()
  })
  afterAll(async () => {
    await rig?.admin.query(`ALTER DATABASE ${rig.db.name} ALLOW_CONNECTIONS true`).catch(() => undefined)
    await rig?.close()
  })

  /** The worker's sessions on the test database, as pg_stat_activity shows them. */
  const workerSessions = () =>
    rig.admin.query<{ pid: number; state: string | null; wait_event_type: string | null; in_transaction: boolean }>(
      `SELECT pid, state, wait_event_type, xact_start IS NOT NULL AS in_transaction
       FROM pg_stat_activity WHERE datname = $1 AND application_name = $2`,
      [rig.db.name, workerApp]
    )

  /** Advisory locks held or awaited in the test database, except by `exceptPid`. */
  const advisoryLocks = (exceptPid: number) =>
    rig.admin.query<{ pid: number; granted: boolean }>(
      `SELECT pid, granted FROM pg_locks
       WHERE locktype = 'advisory' AND pid <> $2
         AND database = (SELECT oid FROM pg_database WHERE datname = $1)`,
      [rig.db.name, exceptPid]
    )

  it("holds no connection and no advisory lock while fetching; takes the event lock only inside the write", async () => {
    const eventId = "710002"
    rig.sim.configure({ latencyRules: [slowEvent(eventId, 1500)] })
    // The test holds the event's lock itself (a session lock on its own connection), so the
    // worker's write has to wait for it where everyone can see it.
    const holder = sqlAccess(rig.db.url, "lock-holder", 1)
    try {
      const [{ pid: holderPid }] = await holder.query<{ pid: number }>(
        "SELECT pg_backend_pid() AS pid, pg_advisory_lock(hashtextextended($1, 0))",
        [eventLockKey(eventId)]
      ) as [{ pid: number }]
      // The sampling query does see an advisory lock when one is held.
      expect(await advisoryLocks(-1)).toEqual([{ pid: holderPid, granted: true }])

      rig.sim.resetStats()
      const command = await rig.enqueue({ kind: "ingest_event", event_id: eventId, track_slug: "sim-slow", depth: "laps_full" })
      const races = rig.sim.config().racesPerEvent
      // Page requests besides robots.txt: the event page comes first and alone, then the rest.
      const pages = (stats: ReturnType<typeof rig.sim.stats>) => stats.total - (stats.byKind["robots"]?.total ?? 0)
      let samples = 0
      while (true) {
        const before = rig.sim.stats()
        const [sessions, locks] = await Promise.all([workerSessions(), advisoryLocks(holderPid)])
        const after = rig.sim.stats()
        // Only samples taken while a page request was in flight throughout count as the fetch
        // phase (the lookups of what is stored run between the event page and the other pages).
        const inFetch = after.inFlight > 0 && (pages(before) > 1 || pages(after) <= 1)
        if (inFetch) {
          samples++
          expect(sessions.filter((s) => s.state !== "idle" || s.in_transaction), JSON.stringify(sessions)).toEqual([])
          expect(locks).toEqual([])
        } else if ((after.byKind["race-result"]?.byStatus["200"] ?? 0) === races && after.inFlight === 0) {
          break
        }
        await sleep(50)
      }
      // 1.5 s for the event page, then two rounds of race pages at the adaptive limit of 8.
      expect(samples).toBeGreaterThanOrEqual(20)

      // Every page is in: once they are parsed (a loaded machine takes seconds), the write
      // transaction waits for the event's lock.
      const waiting = await eventually(() => advisoryLocks(holderPid), (locks) => locks.length > 0, 30_000)
      expect(waiting).toHaveLength(1)
      expect(waiting[0]!.granted).toBe(false)
      const [writer] = (await workerSessions()).filter((s) => s.pid === waiting[0]!.pid)
      expect(writer).toMatchObject({ state: "active", wait_event_type: "Lock", in_transaction: true })
      expect(await rig.sql.query("SELECT 1 FROM events WHERE source_event_id = $1", [eventId])).toEqual([])
      expect((await rig.waitFor(command.job_id, () => true)).status).toBe("running")

      await holder.query("SELECT pg_advisory_unlock(hashtextextended($1, 0))", [eventLockKey(eventId)])
      const done = await rig.settled(command.job_id)
      expect(done.status).toBe("completed")
      expect(await advisoryLocks(-1)).toEqual([])
      expect((await workerSessions()).filter((s) => s.state !== "idle" || s.in_transaction)).toEqual([])
    } finally {
      await holder.dispose()
      rig.sim.configure({ latencyRules: [] })
    }
  })

  it("survives Postgres refusing connections for 20 s in the middle of the write, committing all or nothing", async () => {
    const eventId = "710003"
    const served = await servedEvent(rig.sim, "sim-outage", eventId)
    const before = await rowCounts(rig.sql)
    // Inserting laps waits behind this table lock, so the worker's transaction is caught after
    // it wrote the event, races and results and before it wrote laps.
    const blocker = sqlAccess(rig.db.url, "laps-blocker", 1)
    try {
      await blocker.query("BEGIN")
      await blocker.query("LOCK TABLE laps IN SHARE MODE")
      const command = await rig.enqueue({ kind: "ingest_event", event_id: eventId, track_slug: "sim-outage", depth: "laps_full" })
      await eventually(workerSessions, (sessions) => sessions.some((s) => s.wait_event_type === "Lock" && s.in_transaction), 20_000)
      const [{ written }] = await rig.admin.query<{ written: boolean }>(
        `SELECT EXISTS (SELECT 1 FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
           WHERE a.datname = $1 AND a.application_name = $2 AND l.locktype = 'transactionid' AND l.granted) AS written`,
        [rig.db.name, workerApp]
      ) as [{ written: boolean }]
      // The transaction has a transaction id: it has written rows (event, races, results) already.
      expect(written).toBe(true)

      // The outage, as the worker sees it: no new connections, and its sessions (the half-done
      // write too) killed. The blocker's session survives, so the test can look inside meanwhile.
      await rig.admin.query(`ALTER DATABASE ${rig.db.name} ALLOW_CONNECTIONS false`)
      await rig.admin.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND application_name = $2",
        [rig.db.name, workerApp]
      )
      const outageStarted = Date.now()
      await blocker.query("ROLLBACK")
      const during: Array<JobStatus> = []
      while (Date.now() - outageStarted < 20_000) {
        during.push(await rig.waitFor(command.job_id, () => true))
        // Nothing of the killed transaction is visible: it rolled back entirely.
        const [{ n }] = await blocker.query<{ n: number }>(
          `SELECT ((SELECT count(*) FROM events WHERE source_event_id = $1) +
                   (SELECT count(*) FROM races WHERE source_race_id LIKE $1 || '%'))::int4 AS n`,
          [eventId]
        ) as [{ n: number }]
        expect(n).toBe(0)
        expect(await workerSessions()).toEqual([])
        await sleep(1000)
      }
      await rig.admin.query(`ALTER DATABASE ${rig.db.name} ALLOW_CONNECTIONS true`)
      // The job kept its delivery and kept retrying the write; nobody gave up.
      expect(during.every((s) => s.status === "running" && s.attempts === 1), `${JSON.stringify(during)}\n${worker.output()}`).toBe(true)

      const done = await rig.settled(command.job_id, 30_000)
      expect(done).toMatchObject({ status: "completed", attempts: 1, result: served.counts })
      expect(await rowCounts(rig.sql)).toMatchObject({
        events: before["events"]! + 1,
        races: before["races"]! + served.counts.races,
        race_results: before["race_results"]! + served.counts.results,
        laps: before["laps"]! + served.counts.laps
      })
    } finally {
      await rig.admin.query(`ALTER DATABASE ${rig.db.name} ALLOW_CONNECTIONS true`)
      await blocker.query("ROLLBACK").catch(() => undefined)
      await blocker.dispose().catch(() => undefined)
    }
    expect(worker.output()).not.toMatch(/crashed/)
  })

  it("completes a job whose worker was killed mid-fetch on a second worker, once, without duplicate rows", async () => {
    const eventId = "710004"
    const served = await servedEvent(rig.sim, "sim-kill", eventId)
    const before = await rowCounts(rig.sql)
    rig.sim.configure({ latencyRules: [slowEvent(eventId, 1000)] })
    const jobs = await rig.client.runPromise(IngestStreams.use(({ jobs }) => Effect.succeed(jobs)))
    const command = await rig.enqueue({ kind: "ingest_event", event_id: eventId, track_slug: "sim-kill", depth: "laps_full" })
    // Every status document written for the job, in order.
    const watch = await jobs.watch({ key: command.job_id })
    const written: Array<JobStatus> = []
    void (async () => {
      for await (const entry of watch) {
        if (entry.operation === "PUT") written.push(entry.json<JobStatus>())
      }
    })()
    try {
      rig.sim.resetStats()
      // Mid-fetch: the event page is in and race pages are in flight.
      await eventually(() => rig.sim.stats(), (s) => s.total > 2 && s.inFlight > 0, 10_000)
      await worker.kill()
      const second = await rig.startWorker()
      const done = await rig.settled(command.job_id, 30_000)
      expect(done).toMatchObject({ status: "completed", attempts: 2, result: served.counts })

      // Long past the ack wait (2 s): nothing delivers the job again.
      await sleep(3000)
      expect(await inIngest(rig.client, `ingest.event.${eventId}`)).toBe(false)
      const completions = written.filter((s) => s.status === "completed")
      expect(completions).toHaveLength(1)
      expect(written.at(-1)).toEqual(completions[0])
      expect(written.filter((s) => s.status === "running").map((s) => s.attempts)).toContain(2)

      expect(await rowCounts(rig.sql)).toMatchObject({
        events: before["events"]! + 1,
        races: before["races"]! + served.counts.races,
        race_results: before["race_results"]! + served.counts.results,
        laps: before["laps"]! + served.counts.laps
      })
      expect(second.output()).not.toMatch(/crashed/)
    } finally {
      watch.stop()
      rig.sim.configure({ latencyRules: [] })
    }
  })
})
