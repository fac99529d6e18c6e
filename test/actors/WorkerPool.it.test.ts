import { Effect } from "effect"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import type { Command } from "../../src/jobs/Commands.ts"
import { JobQueue } from "../../src/queue/JobQueue.ts"
import { type NatsTestServer, startNatsServer } from "../support/NatsTestServer.ts"
import { makeQueueClient, type QueueClient, queueEnv, scriptedJob } from "../support/QueueHarness.ts"
import { sleep, waitForStatus } from "../support/QueueProbe.ts"
import type { JobEvent } from "../support/TestHandlers.ts"
import { startWorker, type WorkerProcess } from "../support/WorkerProcess.ts"

/**
 * Worker processes against a real broker: the cluster-wide cap, crashes, a broker restart and a
 * graceful shutdown.
 */

const enqueue = (client: QueueClient, command: Command) => client.runPromise(JobQueue.use((q) => q.enqueue(command)))

/** Highest number of jobs running at the same moment, from start/end events of all workers. */
const maxOverlap = (events: ReadonlyArray<JobEvent>) => {
  const edges = events
    .filter((e) => e.ev === "start" || e.ev === "end")
    .map((e) => ({ t: e.t, d: e.ev === "start" ? 1 : -1 }))
    // At the same millisecond an end goes first: the slot was free before the next start.
    .sort((a, b) => a.t - b.t || a.d - b.d)
  let running = 0
  let max = 0
  for (const edge of edges) {
    running += edge.d
    max = Math.max(max, running)
  }
  return max
}

const setup = (overrides: Record<string, string>) => {
  const ctx = { workers: [] } as unknown as {
    server: NatsTestServer
    client: QueueClient
    env: Record<string, string>
    workers: Array<WorkerProcess>
  }
  beforeAll(async () => {
    ctx.server = await startNatsServer()
    ctx.env = queueEnv(ctx.server.url, overrides)
    ctx.client = makeQueueClient(ctx.env)
    await ctx.client.runPromise(Effect.void)
  })
  afterEach(async () => {
    await Promise.all(ctx.workers.splice(0).map((w) => w.kill()))
  })
  afterAll(async () => {
    await ctx.client?.dispose()
    await ctx.server?.stop()
  })
  return ctx
}

describe("WorkerPool", () => {
  describe("two worker processes under a cluster-wide cap of 4", () => {
    const ctx = setup({ INGEST_MAX_CONCURRENT: "4", WORKER_CONCURRENCY: "3" })

    it("never runs more than max_ack_pending jobs at once, and does run that many in parallel", async () => {
      ctx.workers.push(await startWorker("a", ctx.env), await startWorker("b", ctx.env))
      const jobs = await Promise.all(Array.from({ length: 12 }, () => enqueue(ctx.client, scriptedJob("sleep-1000"))))
      for (const { job } of jobs) await waitForStatus(ctx.client, job.job_id, (s) => s.status === "completed")
      const events = ctx.workers.flatMap((w) => w.events)
      // 3 + 3 actors could run 6; the consumer's max_ack_pending (4) holds across both processes.
      expect(maxOverlap(events)).toBe(4)
      for (const worker of ctx.workers) {
        expect(worker.events.filter((e) => e.ev === "end").length, worker.id).toBeGreaterThan(0)
      }
      expect(events.filter((e) => e.ev === "start")).toHaveLength(12)
    })
  })

  describe("a worker killed mid-job", () => {
    const ctx = setup({ INGEST_ACK_WAIT: "2s", WORKER_CONCURRENCY: "1" })

    it("has its job redelivered after the ack wait and completed by another worker", async () => {
      const doomed = await startWorker("doomed", ctx.env)
      ctx.workers.push(doomed)
      const { job } = await enqueue(ctx.client, scriptedJob("sleep-3000"))
      const first = await doomed.waitFor((e) => e.ev === "start" && e.job === job.job_id)
      // Killed before the survivor starts: on a loaded machine a start can outlast the job.
      await doomed.kill()
      const survivor = await startWorker("survivor", ctx.env)
      ctx.workers.push(survivor)
      // The ack wait is 2 s; the rest of the bound is a loaded machine.
      const second = await survivor.waitFor((e) => e.ev === "start" && e.job === job.job_id, 30_000)
      expect(second.attempt).toBe(2)
      expect(second.t - first.t).toBeGreaterThanOrEqual(1900)
      const done = await waitForStatus(ctx.client, job.job_id, (s) => s.status === "completed")
      expect(done.attempts).toBe(2)
    })
  })

  describe("a broker restart", () => {
    const ctx = setup({ INGEST_MAX_CONCURRENT: "4", WORKER_CONCURRENCY: "2", INGEST_ACK_WAIT: "3s" })

    it("loses no queued job: workers and clients reconnect and everything completes", async () => {
      const worker = await startWorker("w", ctx.env)
      ctx.workers.push(worker)
      const jobs = await Promise.all(Array.from({ length: 8 }, () => enqueue(ctx.client, scriptedJob("sleep-700"))))
      await worker.waitFor((e) => e.ev === "start")
      await ctx.server.kill()
      await sleep(1000)
      await ctx.server.restart()
      for (const { job } of jobs) {
        const done = await waitForStatus(ctx.client, job.job_id, (s) => s.status === "completed", 60_000)
        expect(done.result).toEqual({ slept: 700 })
      }
      // The client's own connection came back too: a new job goes through end to end.
      const after = await enqueue(ctx.client, scriptedJob("sleep-10"))
      await waitForStatus(ctx.client, after.job.job_id, (s) => s.status === "completed")
    }, 90_000)
  })

  describe("SIGTERM", () => {
    const ctx = setup({ INGEST_MAX_CONCURRENT: "4", WORKER_CONCURRENCY: "2", SHUTDOWN_GRACE: "3s" })

    it("lets in-flight jobs finish within the grace, hands the rest back, and exits 0", async () => {
      const leaving = await startWorker("leaving", ctx.env)
      ctx.workers.push(leaving)
      const short = await enqueue(ctx.client, scriptedJob("sleep-1000"))
      const long = await enqueue(ctx.client, scriptedJob("sleep-5000"))
      await leaving.waitFor((e) => e.ev === "start" && e.job === short.job.job_id)
      await leaving.waitFor((e) => e.ev === "start" && e.job === long.job.job_id)
      const waiting = await enqueue(ctx.client, scriptedJob("sleep-200"))

      const stoppedAt = Date.now()
      const exit = leaving.terminate()
      const staying = await startWorker("staying", ctx.env)
      ctx.workers.push(staying)
      expect(await exit).toBe(0)
      const stopTook = Date.now() - stoppedAt
      expect(stopTook).toBeGreaterThanOrEqual(2900)
      expect(stopTook).toBeLessThan(8000)

      // Finished within the grace, where it started.
      expect(await waitForStatus(ctx.client, short.job.job_id, (s) => s.status === "completed")).toMatchObject({ attempts: 1 })
      expect(leaving.events.some((e) => e.ev === "end" && e.job === short.job.job_id)).toBe(true)
      // Interrupted after the grace, naked, and run again by the other worker.
      const longDone = await waitForStatus(ctx.client, long.job.job_id, (s) => s.status === "completed", 20_000)
      expect(longDone.attempts).toBe(2)
      expect(leaving.events.some((e) => e.ev === "end" && e.job === long.job.job_id)).toBe(false)
      expect(staying.events.some((e) => e.ev === "start" && e.job === long.job.job_id && e.attempt === 2)).toBe(true)
      // Never started by the leaving worker.
      await waitForStatus(ctx.client, waiting.job.job_id, (s) => s.status === "completed")
      expect(leaving.events.some((e) => e.job === waiting.job.job_id)).toBe(false)
    }, 60_000)
  })
})
