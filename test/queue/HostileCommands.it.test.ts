import { Effect } from "effect"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type Command, commandSubject } from "../../src/jobs/Commands.ts"
import { IngestStreams } from "../../src/queue/IngestStreams.ts"
import { JobQueue } from "../../src/queue/JobQueue.ts"
import { JOBS_BUCKET } from "../../src/queue/Topology.ts"
import { type NatsTestServer, startNatsServer } from "../support/NatsTestServer.ts"
import { makeQueueClient, newJobId, type QueueClient, queueEnv, scriptedJob } from "../support/QueueHarness.ts"
import { deadLetters, inIngest, statusOf, waitForStatus, waitUntil } from "../support/QueueProbe.ts"
import { startWorker, type WorkerProcess } from "../support/WorkerProcess.ts"

/**
 * Anyone who can publish to `ingest.>` can send anything. Whatever they send, against a real
 * nats-server and a real worker process: it is dead-lettered with a reason or run as the job it
 * is; it never touches another job's status or message; nothing accepted is lost; and good jobs
 * around it keep completing.
 */

const enqueue = (client: QueueClient, command: Command) => client.runPromise(JobQueue.use((q) => q.enqueue(command)))

/** Publishes raw bytes; resolves with the stream sequence the server gave them. */
const publishRaw = (client: QueueClient, subject: string, body: string) =>
  client.runPromise(IngestStreams.use(({ nats }) => Effect.promise(() => nats.js.publish(subject, body)))).then((ack) => ack.seq)

/** The dead-letter copy of the message at `seq`, once it is there. */
const deadLetterOf = async (client: QueueClient, seq: number) => {
  let found: Awaited<ReturnType<typeof deadLetters>>[number] | undefined
  await waitUntil(async () => {
    found = (await deadLetters(client)).find((d) => d.headers["Liverc-Original-Seq"] === String(seq))
    return found !== undefined
  }, 15_000, `a dead letter for seq ${seq}`)
  return found!
}

let nextEvent = 700_000 + Math.floor(Math.random() * 100_000)
const eventId = () => String(nextEvent++)

describe("hostile commands on the INGEST stream", () => {
  let server: NatsTestServer
  let client: QueueClient
  let worker: WorkerProcess

  beforeAll(async () => {
    server = await startNatsServer()
    const env = queueEnv(server.url, { INGEST_MAX_DELIVER: "3", INGEST_ACK_WAIT: "2s", WORKER_CONCURRENCY: "4" })
    client = makeQueueClient(env)
    await client.runPromise(Effect.void)
    worker = await startWorker("hostile", env)
  })
  afterAll(async () => {
    await worker?.kill()
    await client?.dispose()
    await server?.stop()
  })

  it("dead-letters every malformed or mislabelled message with INVALID_COMMAND while good jobs around them complete", async () => {
    const before = await enqueue(client, scriptedJob("sleep-200"))
    const valid = (overrides: Record<string, unknown>) =>
      JSON.stringify({ v: 1, job_id: newJobId(), kind: "ingest_event", event_id: eventId(), depth: "summary", track_slug: "noop", ...overrides })
    const wrongKey = eventId()
    const corpus: ReadonlyArray<readonly [string, string]> = [
      ["ingest.event.1", "{{{"],
      ["ingest.event.2", ""],
      ["ingest.event.3", "null"],
      ["ingest.event.4", "[1,2,3]"],
      ["ingest.event.5", "\u0000\u0001\u0002binary"],
      ["ingest.event.6", JSON.stringify({ v: 2, job_id: newJobId(), kind: "ingest_event", event_id: "6", depth: "summary" })],
      ["ingest.event.7", JSON.stringify({ v: 1, job_id: newJobId(), kind: "drop_tables", event_id: "7" })],
      ["ingest.event.8", JSON.stringify({ v: 1, job_id: "../../etc/passwd", kind: "ingest_event", event_id: "8", depth: "summary" })],
      ["ingest.event.9", JSON.stringify({ v: 1, job_id: "x".repeat(65), kind: "ingest_event", event_id: "9", depth: "summary" })],
      ["ingest.event.10", JSON.stringify({ v: 1, job_id: newJobId(), kind: "ingest_event", event_id: 10, depth: "summary" })],
      ["ingest.event.11", JSON.stringify({ v: 1, job_id: newJobId(), kind: "ingest_event", event_id: "11", depth: "deep" })],
      ["ingest.event.12", JSON.stringify({ v: 1, job_id: newJobId(), kind: "ingest_event", event_id: "12", track_slug: "a.b.c", depth: "summary" })],
      ["ingest.event.13", `{"v":1,"job_id":"${newJobId()}","kind":"ingest_event","event_id":"13","depth":"summary","__proto__":{"polluted":true}`],
      ["ingest.event.14", "[".repeat(10_000) + "]".repeat(10_000)],
      // Valid commands filed under another key: they would dodge that key's dedupe.
      [`ingest.event.${eventId()}`, valid({ event_id: wrongKey })],
      ["ingest.tracks", valid({})],
      ["ingest.unknown.thing", JSON.stringify({ v: 1, job_id: newJobId(), kind: "sync_tracks" })]
    ]
    const seqs = await Promise.all(corpus.map(([subject, body]) => publishRaw(client, subject, body)))
    const after = await enqueue(client, scriptedJob("sleep-200"))

    for (const [i, seq] of seqs.entries()) {
      const copy = await deadLetterOf(client, seq)
      expect(copy.headers["Liverc-Error-Code"], `corpus #${i} on ${corpus[i]![0]}`).toBe("INVALID_COMMAND")
      expect(copy.data).toBe(corpus[i]![1])
    }
    expect((await deadLetters(client)).find((d) => d.headers["Liverc-Original-Seq"] === String(seqs[14]))?.headers["Liverc-Error-Message"])
      .toContain(`published on`)
    for (const job of [before.job, after.job]) {
      expect(await waitForStatus(client, job.job_id, (s) => s.status === "completed")).toMatchObject({ attempts: 1 })
    }
    for (const [subject] of corpus) await waitUntil(async () => !(await inIngest(client, subject)), 5000, `${subject} to leave INGEST`)
    // The key a mislabelled command named stays free for a real job.
    expect((await enqueue(client, scriptedJob("sleep-0", { eventId: wrongKey }))).deduplicated).toBe(false)
  })

  it("never lets a message carrying a live job's id touch that job", async () => {
    const { job: live } = await enqueue(client, scriptedJob("sleep-2500"))
    await waitForStatus(client, live.job_id, (s) => s.status === "running")
    const poisonSeq = await publishRaw(
      client,
      `ingest.event.${eventId()}`,
      JSON.stringify({ v: 1, job_id: live.job_id, kind: "ingest_event", event_id: "not-an-id" })
    )
    // A valid command, on its own correct key, reusing the live job's id.
    const impostor = scriptedJob("sleep-0", { jobId: live.job_id })
    const impostorSeq = await publishRaw(client, commandSubject(impostor), JSON.stringify(impostor))

    expect((await deadLetterOf(client, poisonSeq)).headers["Liverc-Error-Code"]).toBe("INVALID_COMMAND")
    const impostorCopy = await deadLetterOf(client, impostorSeq)
    expect(impostorCopy.headers["Liverc-Error-Message"]).toContain(`belongs to the command at stream sequence ${live.stream_seq}`)
    expect(await statusOf(client, live.job_id)).toMatchObject({ status: "running", stream_seq: live.stream_seq, error_code: null })

    const done = await waitForStatus(client, live.job_id, (s) => s.status === "completed")
    expect(done).toMatchObject({ attempts: 1, result: { slept: 2500 }, stream_seq: live.stream_seq })
    expect((await deadLetters(client)).some((d) => d.subject === `dlq.${commandSubject(scriptedJob("x", { eventId: String(live.params["event_id"]) }))}`))
      .toBe(false)
    expect(worker.events.filter((e) => e.ev === "start" && e.job === live.job_id)).toHaveLength(1)
  })

  it("dead-letters a new command that reuses a finished job's id instead of acknowledging it unrun", async () => {
    const { job: finished } = await enqueue(client, scriptedJob("sleep-0"))
    await waitForStatus(client, finished.job_id, (s) => s.status === "completed")
    const reuse = scriptedJob("sleep-0", { jobId: finished.job_id })
    const seq = await publishRaw(client, commandSubject(reuse), JSON.stringify(reuse))
    expect((await deadLetterOf(client, seq)).headers["Liverc-Error-Code"]).toBe("INVALID_COMMAND")
    expect(await statusOf(client, finished.job_id)).toMatchObject({ status: "completed", stream_seq: finished.stream_seq })
  })

  it("repairs a status document someone corrupted, and the job completes", async () => {
    const { job } = await enqueue(client, scriptedJob("sleep-1500"))
    await worker.waitFor((e) => e.ev === "start" && e.job === job.job_id)
    await client.runPromise(IngestStreams.use(({ nats }) =>
      Effect.promise(async () => (await nats.kvm.open(JOBS_BUCKET)).put(job.job_id, "{\"status\": \"garbage"))
    ))
    const done = await waitForStatus(client, job.job_id, (s) => s.status === "completed")
    expect(done).toMatchObject({ attempts: 1, result: { slept: 1500 } })
    // The worker that noticed it carried on: the next job completes as usual.
    const { job: next } = await enqueue(client, scriptedJob("sleep-0"))
    await waitForStatus(client, next.job_id, (s) => s.status === "completed")
  })

  it("settles every mutation of a valid command exactly once: run as its own job, or dead-lettered", async () => {
    const template = scriptedJob("sleep-0")
    const mutations = fc.record({
      drop: fc.subarray(["v", "job_id", "kind", "event_id", "depth", "track_slug"]),
      set: fc.dictionary(
        fc.constantFrom("v", "job_id", "kind", "event_id", "depth", "track_slug", "extra", "requested_at"),
        fc.oneof(fc.string({ maxLength: 80 }), fc.integer(), fc.constant(null), fc.boolean(), fc.array(fc.string(), { maxLength: 3 }))
      ),
      subject: fc.constantFrom("own", "other")
    })
    const samples = fc.sample(mutations, { numRuns: 40, seed: 20261205 })
    const sent = await Promise.all(samples.map(async (mutation) => {
      const body: Record<string, unknown> = { ...template, job_id: newJobId(), event_id: eventId() }
      for (const key of mutation.drop) delete body[key]
      Object.assign(body, mutation.set)
      // A subject must be one the stream captures; a mutated id that cannot be a subject token goes elsewhere.
      const own = typeof body["event_id"] === "string" && /^[A-Za-z0-9_-]{1,64}$/.test(body["event_id"])
      const subject = mutation.subject === "own" && own ? `ingest.event.${String(body["event_id"])}` : `ingest.event.${eventId()}`
      return { subject, body, seq: await publishRaw(client, subject, JSON.stringify(body)) }
    }))
    for (const { body, seq, subject } of sent) {
      // Whatever it was, its message leaves INGEST: nothing is stuck and nothing holds a key.
      await waitUntil(async () => !(await inIngest(client, subject)), 15_000, `${subject} to leave INGEST`)
      const letter = (await deadLetters(client)).find((d) => d.headers["Liverc-Original-Seq"] === String(seq))
      const jobId = typeof body["job_id"] === "string" ? body["job_id"] : undefined
      const status = jobId === undefined ? undefined : await statusOf(client, jobId).catch(() => undefined)
      const ranAsItself = status !== undefined && status.stream_seq === seq && (status.status === "completed" || status.status === "failed")
      expect(ranAsItself || letter !== undefined, `seq ${seq}: ${JSON.stringify(body)}`).toBe(true)
    }
  })
})
