import { ConfigProvider, Effect, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { Command } from "../../src/jobs/Commands.ts"
import { commandSubject } from "../../src/jobs/Commands.ts"
import { StreamsLive } from "../../src/layers.ts"
import { DeadLetter } from "../../src/queue/DeadLetter.ts"
import { IngestStreams } from "../../src/queue/IngestStreams.ts"
import { JobQueue } from "../../src/queue/JobQueue.ts"
import { type NatsTestServer, startNatsServer } from "../support/NatsTestServer.ts"
import { makeQueueClient, type QueueClient, queueEnv, scriptedJob } from "../support/QueueHarness.ts"
import { deadLetters, inIngest, sleep, statusOf, waitForStatus, waitUntil } from "../support/QueueProbe.ts"
import { startWorker, type WorkerProcess } from "../support/WorkerProcess.ts"

/**
 * One job's way through a worker process: failures, dead letters, cancellation, heartbeats.
 * Real nats-server, real worker process (the real WorkerPool with scripted handlers).
 */

const enqueue = (client: QueueClient, command: Command) => client.runPromise(JobQueue.use((q) => q.enqueue(command)))

const starts = (worker: WorkerProcess, jobId: string) => worker.events.filter((e) => e.ev === "start" && e.job === jobId)

describe("ConsumerActor in a worker process", () => {
  let server: NatsTestServer
  let client: QueueClient
  let worker: WorkerProcess

  beforeAll(async () => {
    server = await startNatsServer()
    const env = queueEnv(server.url, { INGEST_MAX_DELIVER: "3", INGEST_ACK_WAIT: "2s", WORKER_CONCURRENCY: "4" })
    client = makeQueueClient(env)
    await client.runPromise(Effect.void)
    worker = await startWorker("w1", env)
  })
  afterAll(async () => {
    await worker?.kill()
    await client?.dispose()
    await server?.stop()
  })

  it("completes a job and keeps its progress", async () => {
    const { job } = await enqueue(client, scriptedJob("progress-4"))
    const done = await waitForStatus(client, job.job_id, (s) => s.status === "completed")
    expect(done).toMatchObject({ attempts: 1, result: { steps: 4 }, progress: { stage: "step", done: 4, total: 4 } })
    expect(await inIngest(client, `ingest.event.${job.params["event_id"]}`)).toBe(false)
  })

  it("retries a retryable failure with backoff, then fails it into the DLQ after max_deliver", async () => {
    const { job } = await enqueue(client, scriptedJob("fail-retryable"))
    const failed = await waitForStatus(client, job.job_id, (s) => s.status === "failed")
    expect(failed).toMatchObject({ attempts: 3, error_code: "TEST_RETRYABLE" })
    expect(failed.error_message).toContain("gave up after 3 deliveries")
    const attempts = starts(worker, job.job_id)
    expect(attempts.map((e) => e.attempt)).toEqual([1, 2, 3])
    // INGEST_RETRY_BASE 200ms: the second try waits ~200 ms, the third ~400 ms.
    expect(attempts[1]!.t - attempts[0]!.t).toBeGreaterThanOrEqual(150)
    expect(attempts[2]!.t - attempts[1]!.t).toBeGreaterThanOrEqual(350)
    const subject = `ingest.event.${job.params["event_id"]}`
    expect(await inIngest(client, subject)).toBe(false)
    const copy = (await deadLetters(client)).find((d) => d.subject === `dlq.${subject}`)
    expect(copy?.headers).toMatchObject({
      "Liverc-Error-Code": "TEST_RETRYABLE",
      "Liverc-Attempts": "3",
      "Liverc-Original-Subject": subject
    })
    expect(JSON.parse(copy!.data)).toMatchObject({ job_id: job.job_id })
  })

  it("fails a terminal failure at once, without retries, into the DLQ", async () => {
    const { job } = await enqueue(client, scriptedJob("fail-terminal"))
    const failed = await waitForStatus(client, job.job_id, (s) => s.status === "failed")
    expect(failed).toMatchObject({ attempts: 1, error_code: "TEST_TERMINAL", error_message: "this will never work" })
    await sleep(1000)
    expect(starts(worker, job.job_id)).toHaveLength(1)
    expect((await deadLetters(client)).some((d) => d.headers["Liverc-Error-Code"] === "TEST_TERMINAL")).toBe(true)
  })

  it("dead-letters a malformed command published by hand, with a clear error, and carries on", async () => {
    await client.runPromise(IngestStreams.use(({ nats }) =>
      Effect.promise(() => nats.js.publish("ingest.event.77", "{\"v\":1,\"kind\":\"ingest_event\",\"event_id\":\"0x77\"")) // cut off
    ))
    await client.runPromise(IngestStreams.use(({ nats }) =>
      Effect.promise(() => nats.js.publish("ingest.event.78", JSON.stringify({ v: 1, job_id: "job-malformed01", kind: "ingest_event", event_id: "0x78", depth: "summary" })))
    ))
    const { job } = await enqueue(client, scriptedJob("sleep-10"))
    await waitForStatus(client, job.job_id, (s) => s.status === "completed")
    await sleep(500)
    const copies = (await deadLetters(client)).filter((d) => d.subject === "dlq.ingest.event.77" || d.subject === "dlq.ingest.event.78")
    expect(copies).toHaveLength(2)
    for (const copy of copies) {
      expect(copy.headers["Liverc-Error-Code"]).toBe("INVALID_COMMAND")
      expect(copy.headers["Liverc-Error-Message"]).toContain(`invalid command on ${copy.subject.slice(4)}`)
    }
    expect(copies.find((c) => c.subject.endsWith("78"))?.headers["Liverc-Error-Message"]).toContain("event_id")
    expect(await inIngest(client, "ingest.event.77")).toBe(false)
    expect(await inIngest(client, "ingest.event.78")).toBe(false)
  })

  it("keeps a job longer than the ack wait to one delivery by heartbeating", async () => {
    const { job } = await enqueue(client, scriptedJob("sleep-5000"))
    const done = await waitForStatus(client, job.job_id, (s) => s.status === "completed", 20_000)
    expect(done.attempts).toBe(1)
    expect(starts(worker, job.job_id)).toHaveLength(1)
  })

  it("interrupts a running job on cancel: its finalizers run and it is never redelivered", async () => {
    const { job } = await enqueue(client, scriptedJob("hang"))
    await worker.waitFor((e) => e.ev === "start" && e.job === job.job_id)
    const cancelledAt = Date.now()
    const cancelled = await client.runPromise(JobQueue.use((q) => q.cancel(job.job_id)))
    expect(cancelled.status).toBe("cancelled")
    const finalized = await worker.waitFor((e) => e.ev === "finalized" && e.job === job.job_id, 5000)
    expect(finalized.t - cancelledAt).toBeLessThan(1000)
    await sleep(3000) // longer than the ack wait
    expect(starts(worker, job.job_id)).toHaveLength(1)
    expect(await inIngest(client, `ingest.event.${job.params["event_id"]}`)).toBe(false)
    expect((await statusOf(client, job.job_id))?.status).toBe("cancelled")
  })

  it("never runs a job cancelled while it waited", async () => {
    // Fill the cluster-wide cap (4) so the next job has to wait.
    const blockers = await Promise.all(Array.from({ length: 4 }, () => enqueue(client, scriptedJob("hang"))))
    await Promise.all(blockers.map((b) => worker.waitFor((e) => e.ev === "start" && e.job === b.job.job_id)))
    const { job } = await enqueue(client, scriptedJob("sleep-10"))
    expect(job.status).toBe("queued")
    await client.runPromise(JobQueue.use((q) => q.cancel(job.job_id)))
    for (const b of blockers) await client.runPromise(JobQueue.use((q) => q.cancel(b.job.job_id)))
    const sentinel = await enqueue(client, scriptedJob("sleep-10"))
    await waitForStatus(client, sentinel.job.job_id, (s) => s.status === "completed")
    expect(starts(worker, job.job_id)).toHaveLength(0)
    expect((await statusOf(client, job.job_id))?.status).toBe("cancelled")
  })
})

describe("a worker killed on the last delivery", () => {
  let server: NatsTestServer
  let client: QueueClient
  let env: Record<string, string>

  beforeAll(async () => {
    server = await startNatsServer()
    env = queueEnv(server.url, { INGEST_MAX_DELIVER: "1", INGEST_ACK_WAIT: "1s", WORKER_CONCURRENCY: "1" })
    client = makeQueueClient(env)
    await client.runPromise(Effect.void)
  })
  afterAll(async () => {
    await client?.dispose()
    await server?.stop()
  })

  it("does not pin the queue: the sweep fails the job into the DLQ and frees its key", async () => {
    const worker = await startWorker("doomed", env)
    const { job } = await enqueue(client, scriptedJob("sleep-60000"))
    await worker.waitFor((e) => e.ev === "start" && e.job === job.job_id)
    await worker.kill()
    const subject = commandSubject(scriptedJob("x", { eventId: String(job.params["event_id"]) }))
    // With no worker pulling, the server never even emits the MAX_DELIVERIES advisory.
    await sleep(4000) // > 2 x ack wait + 1 s of silence
    expect(await inIngest(client, subject)).toBe(true)
    const sweeper = ManagedRuntime.make(
      DeadLetter.layer.pipe(
        Layer.provideMerge(StreamsLive("sweeper")),
        Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env })))
      )
    )
    try {
      expect(await sweeper.runPromise(DeadLetter.use((d) => d.sweep))).toBe(1)
    } finally {
      await sweeper.dispose()
    }
    expect(await statusOf(client, job.job_id)).toMatchObject({ status: "failed", error_code: "MAX_DELIVER_EXCEEDED" })
    expect(await inIngest(client, subject)).toBe(false)
    expect((await deadLetters(client)).map((d) => d.subject)).toContain(`dlq.${subject}`)
    const again = await enqueue(client, scriptedJob("sleep-10", { eventId: String(job.params["event_id"]) }))
    expect(again.deduplicated).toBe(false)
  })

  it("is settled from the MAX_DELIVERIES advisory when another worker is up", async () => {
    const doomed = await startWorker("doomed-2", env)
    const survivor = await startWorker("survivor", env)
    try {
      const { job } = await enqueue(client, scriptedJob("sleep-60000"))
      const started = await Promise.race([doomed, survivor].map((w) => w.waitFor((e) => e.ev === "start" && e.job === job.job_id)))
      const [victim, other] = started.w === "doomed-2" ? [doomed, survivor] : [survivor, doomed]
      await victim.kill()
      // The other worker's pull makes the server give up on the message 1 s later and say so.
      const failed = await waitForStatus(client, job.job_id, (s) => s.status === "failed", 10_000)
      expect(failed.error_code).toBe("MAX_DELIVER_EXCEEDED")
      expect(other.events.some((e) => e.ev === "start" && e.job === job.job_id)).toBe(false)
      // The status is written first and the message removed after it (so a crash in between leaves
      // the message for the sweep): the removal follows the status by a round trip or two.
      await waitUntil(async () => !(await inIngest(client, `ingest.event.${job.params["event_id"]}`)), 5000)
      // Settled by the advisory listener, well before the sweep would call the job abandoned.
      expect(other.output()).not.toContain("sweep settled")
    } finally {
      await doomed.kill()
      await survivor.kill()
    }
  })
})
