import { Cause, Effect, Exit, Option } from "effect"
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest"
import type { Command, JobId } from "../../src/jobs/Commands.ts"
import { IngestStreams } from "../../src/queue/IngestStreams.ts"
import { JobListing } from "../../src/queue/JobListing.ts"
import { type EnqueueResult, JobQueue } from "../../src/queue/JobQueue.ts"
import { JobStatusStore } from "../../src/queue/JobStatusStore.ts"
import { type NatsTestServer, startNatsServer } from "../support/NatsTestServer.ts"
import { makeQueueClient, newJobId, type QueueClient, queueEnv, scriptedJob } from "../support/QueueHarness.ts"
import { waitForStatus } from "../support/QueueProbe.ts"

const failureOf = <A, E>(exit: Exit.Exit<A, E>) => Exit.isFailure(exit) ? Option.getOrUndefined(Cause.findErrorOption(exit.cause)) : undefined

/** A fresh private nats-server and a JobQueue client per block of tests (topology settings differ). */
const withQueue = (overrides: Record<string, string> = {}) => {
  const ctx = {} as { server: NatsTestServer; client: QueueClient; env: Record<string, string> }
  beforeAll(async () => {
    ctx.server = await startNatsServer()
    ctx.env = queueEnv(ctx.server.url, overrides)
    ctx.client = makeQueueClient(ctx.env)
    await ctx.client.runPromise(Effect.void)
  })
  afterAll(async () => {
    await ctx.client?.dispose()
    await ctx.server?.stop()
  })
  return ctx
}

const enqueue = (client: QueueClient, command: Command) =>
  client.runPromise(JobQueue.use((q) => q.enqueue(command)))

const get = (client: QueueClient, jobId: JobId) =>
  client.runPromiseExit(JobQueue.use((q) => q.get(jobId)))

const cancel = (client: QueueClient, jobId: JobId) =>
  client.runPromiseExit(JobQueue.use((q) => q.cancel(jobId)))

const streamMessages = (client: QueueClient) =>
  client.runPromise(IngestStreams.use(({ nats }) => Effect.promise(() => nats.jsm.streams.info("INGEST"))))
    .then((info) => info.state.messages)

describe("JetStreamJobQueue", () => {
  describe("enqueue, dedupe, position, cancel", () => {
    const ctx = withQueue()
    const extra: Array<QueueClient> = []
    afterEach(async () => {
      await Promise.all(extra.splice(0).map((c) => c.dispose()))
    })

    it("answers a new job as queued, with its stream sequence and queue position", async () => {
      const first = await enqueue(ctx.client, scriptedJob("sleep-1"))
      expect(first.deduplicated).toBe(false)
      expect(first.job).toMatchObject({ status: "queued", attempts: 0, kind: "ingest_event" })
      expect(first.job.stream_seq).toBeGreaterThan(0)
      const stored = await get(ctx.client, first.job.job_id)
      expect(Exit.isSuccess(stored) && stored.value).toMatchObject({ status: "queued", queue_position: first.job.stream_seq })
    })

    it("turns 1,000 concurrent identical requests through 4 gateways into exactly one job", async () => {
      const gateways = Array.from({ length: 4 }, () => makeQueueClient(ctx.env))
      extra.push(...gateways)
      const connections = await Promise.all(
        gateways.map((g) => g.runPromise(IngestStreams.useSync(({ nats }) => nats.nc.info?.client_id)))
      )
      expect(new Set(connections).size).toBe(4)
      const before = await streamMessages(ctx.client)
      // Every request has its own job id, as every HTTP request would.
      const answers = await Promise.all(
        Array.from({ length: 1000 }, (_, i) => enqueue(gateways[i % 4]!, scriptedJob("sleep-1", { eventId: "4242" })))
      )
      const ids = new Set(answers.map((a) => a.job.job_id))
      expect(ids.size).toBe(1)
      expect(answers.filter((a) => !a.deduplicated)).toHaveLength(1)
      expect(await streamMessages(ctx.client)).toBe(before + 1)
      const [jobId] = [...ids]
      const status = await get(ctx.client, jobId!)
      expect(Exit.isSuccess(status) && status.value.status).toBe("queued")
    })

    it("treats a retried publish of the same job as the same job", async () => {
      const command = scriptedJob("sleep-1")
      const first = await enqueue(ctx.client, command)
      const again = await enqueue(ctx.client, command)
      expect(again.job.job_id).toBe(first.job.job_id)
      expect(again.job.stream_seq).toBe(first.job.stream_seq)
    })

    it("counts the queue position down as the consumer delivers", async () => {
      const jobs: Array<EnqueueResult> = []
      for (let i = 0; i < 3; i++) jobs.push(await enqueue(ctx.client, scriptedJob("sleep-1")))
      const positions = async () => {
        await new Promise((r) => setTimeout(r, 400)) // consumer info is cached for 300 ms
        return Promise.all(jobs.map(async (j) => {
          const s = await get(ctx.client, j.job.job_id)
          return Exit.isSuccess(s) ? s.value.queue_position : undefined
        }))
      }
      const initial = await positions()
      // Earlier tests left older jobs ahead of these three.
      expect(initial[0]).toBeGreaterThan(2)
      expect(initial[1]! - initial[0]!).toBe(1)
      expect(initial[2]! - initial[1]!).toBe(1)
      // Take two messages off the queue the way a worker would (delivered, not yet acked).
      await ctx.client.runPromise(IngestStreams.use(({ nats }) =>
        Effect.promise(async () => {
          const consumer = await nats.js.consumers.get("INGEST", "ingest-workers")
          const batch = await consumer.fetch({ max_messages: 2, expires: 2000 })
          for await (const m of batch) m.working()
        })))
      const later = await positions()
      expect(later).toEqual(initial.map((p) => p! - 2))
    })

    it("answers an unknown job with JobNotFound", async () => {
      const exit = await get(ctx.client, newJobId() as JobId)
      expect(failureOf(exit)?._tag).toBe("JobNotFound")
    })

    it("cancels a queued job: status cancelled, command out of the queue, key free again", async () => {
      const command = scriptedJob("sleep-1")
      const queued = await enqueue(ctx.client, command)
      const before = await streamMessages(ctx.client)
      const cancelled = await cancel(ctx.client, queued.job.job_id)
      expect(Exit.isSuccess(cancelled) && cancelled.value).toMatchObject({ status: "cancelled", cancel_requested: true })
      expect(await streamMessages(ctx.client)).toBe(before - 1)
      const again = await cancel(ctx.client, queued.job.job_id)
      expect(failureOf(again)).toMatchObject({ _tag: "JobAlreadyFinished", status: "cancelled" })
      const next = await enqueue(ctx.client, scriptedJob("sleep-1", { eventId: command.kind === "ingest_event" ? command.event_id : "1" }))
      expect(next.deduplicated).toBe(false)
      expect(next.job.job_id).not.toBe(queued.job.job_id)
    })

    it("creates the status of a command published without one (the backfill reads new arrivals)", async () => {
      const command = scriptedJob("sleep-1")
      await ctx.client.runPromise(IngestStreams.use(({ nats }) =>
        Effect.promise(() => nats.js.publish(`ingest.event.${command.kind === "ingest_event" ? command.event_id : ""}`, JSON.stringify(command)))))
      // The backfill of this client looks at new arrivals every 2 s.
      const status = await waitForStatus(ctx.client, command.job_id, () => true, 6000)
      expect(status).toMatchObject({ status: "queued", attempts: 0 })
    })
    it("lists live jobs in queue order and recent ones newest first (for operators, not polls)", async () => {
      const a = await enqueue(ctx.client, scriptedJob("sleep-1"))
      const b = await enqueue(ctx.client, scriptedJob("sleep-1"))
      await cancel(ctx.client, a.job.job_id)
      const { live, recent } = await ctx.client.runPromise(JobListing.use((listing) =>
        Effect.all({ live: listing.live(1000), recent: listing.recent(2) })
      ))
      const liveIds = live.map((j) => j.job_id)
      expect(liveIds).toContain(b.job.job_id)
      expect(liveIds).not.toContain(a.job.job_id)
      expect(live.map((j) => j.stream_seq)).toEqual([...live.map((j) => j.stream_seq)].sort((x, y) => x! - y!))
      expect(recent.map((j) => j.job_id)).toEqual([a.job.job_id, b.job.job_id])
    })
  })

  describe("a full queue", () => {
    const ctx = withQueue({ INGEST_QUEUE_MAX: "5" })

    it("refuses the command past INGEST_QUEUE_MAX with QueueFull and drops nothing it accepted", async () => {
      const accepted = []
      for (let i = 0; i < 5; i++) accepted.push(await enqueue(ctx.client, scriptedJob("sleep-1")))
      const exit = await ctx.client.runPromiseExit(JobQueue.use((q) => q.enqueue(scriptedJob("sleep-1"))))
      expect(failureOf(exit)).toMatchObject({ _tag: "QueueFull", retryAfterSeconds: 5 })
      expect(await streamMessages(ctx.client)).toBe(5)
      for (const job of accepted) {
        const status = await get(ctx.client, job.job.job_id)
        expect(Exit.isSuccess(status) && status.value.status).toBe("queued")
      }
      // A duplicate of a queued key is still answered: dedupe does not need a free slot.
      const dup = await enqueue(ctx.client, scriptedJob("sleep-1", { eventId: String(accepted[0]!.job.params["event_id"]) }))
      expect(dup).toMatchObject({ deduplicated: true, job: { job_id: accepted[0]!.job.job_id } })
    })
  })

  describe("status TTL (per message)", () => {
    const ctx = withQueue({ INGEST_JOB_TTL: "2s" })

    it("forgets a finished job after the TTL, and keeps a waiting job untouched far longer", async () => {
      const waiting = await enqueue(ctx.client, scriptedJob("sleep-1"))
      const finished = await enqueue(ctx.client, scriptedJob("sleep-1"))
      await cancel(ctx.client, finished.job.job_id)
      await new Promise((r) => setTimeout(r, 3500))
      expect(failureOf(await get(ctx.client, finished.job.job_id))?._tag).toBe("JobNotFound")
      await new Promise((r) => setTimeout(r, 3000))
      // Three TTLs later the queued job is still there, and nobody had to rewrite it.
      const status = await get(ctx.client, waiting.job.job_id)
      expect(Exit.isSuccess(status) && status.value).toMatchObject({ status: "queued", created_at: waiting.job.created_at })
      const stored = Option.getOrThrow(await ctx.client.runPromise(JobStatusStore.use((s) => s.get(waiting.job.job_id))))
      expect(stored.revision).toBe(Option.getOrThrow(
        await ctx.client.runPromise(JobStatusStore.use((s) => s.get(waiting.job.job_id)))
      ).revision)
      expect(stored.writtenAt.getTime()).toBeLessThan(Date.now() - 6000)
    })
  })

  describe("without a broker", () => {
    const ctx = withQueue()

    it("answers QueueUnavailable, and works again once the broker is back", async () => {
      await ctx.server.kill()
      const exit = await ctx.client.runPromiseExit(JobQueue.use((q) => q.enqueue(scriptedJob("sleep-1"))))
      expect(failureOf(exit)?._tag).toBe("QueueUnavailable")
      await ctx.server.restart()
      await new Promise((r) => setTimeout(r, 1500)) // reconnect wait is 1 s
      const job = await enqueue(ctx.client, scriptedJob("sleep-1"))
      expect(job.job.status).toBe("queued")
    }, 60_000)
  })
})
