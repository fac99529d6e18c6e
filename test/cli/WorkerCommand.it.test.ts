import { type ChildProcess, spawn } from "node:child_process"
import { join } from "node:path"
import { Effect, Schema } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Command } from "../../src/jobs/Commands.ts"
import { parseEventPage } from "../../src/liverc/EventPageParser.ts"
import { type RunningSimulator, startSimulator } from "../../src/sim/SimServer.ts"
import { JobQueue } from "../../src/streams/JobQueue.ts"
import { type NatsTestServer, startNatsServer } from "../support/NatsTestServer.ts"
import { makeQueueClient, newJobId, type QueueClient, queueEnv } from "../support/QueueHarness.ts"
import { waitForStatus } from "../support/QueueProbe.ts"

/**
 * `liverc-ingest worker` as shipped: the CLI process with the placeholder ingest_event handler,
 * fetching event pages from the simulator through LIVERC_TRACK_URL.
 */

const decodeCommand = Schema.decodeUnknownSync(Command)
const bin = join(import.meta.dirname, "..", "..", "bin", "liverc-ingest.js")

describe("liverc-ingest worker", () => {
  let server: NatsTestServer
  let sim: RunningSimulator
  let client: QueueClient
  let worker: ChildProcess
  let output = ""

  beforeAll(async () => {
    server = await startNatsServer()
    sim = await startSimulator()
    const env = queueEnv(server.url, { INGEST_MAX_DELIVER: "2" })
    client = makeQueueClient(env)
    await client.runPromise(Effect.void)
    worker = spawn(process.execPath, [bin, "worker"], {
      env: { ...process.env, ...env, LIVERC_TRACK_URL: sim.trackUrlTemplate, LIVERC_ROOT_URL: sim.url },
      stdio: ["ignore", "pipe", "pipe"]
    })
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`worker did not start:\n${output}`)), 30_000)
      const onData = (chunk: Buffer) => {
        output += chunk.toString("utf8")
        if (output.includes("worker pool started")) {
          clearTimeout(timer)
          resolve()
        }
      }
      worker.stdout?.on("data", onData)
      worker.stderr?.on("data", onData)
    })
  })
  afterAll(async () => {
    if (worker?.exitCode === null) worker.kill("SIGKILL")
    await client?.dispose()
    await sim?.close()
    await server?.stop()
  })

  const run = async (fields: Record<string, unknown>) => {
    const command = decodeCommand({ v: 1, job_id: newJobId(), ...fields })
    await client.runPromise(JobQueue.use((q) => q.enqueue(command)))
    return waitForStatus(client, command.job_id, (s) => s.status === "completed" || s.status === "failed")
  }

  it("ingests an event page from the simulator (placeholder: fetch and parse)", async () => {
    const done = await run({ kind: "ingest_event", event_id: "486677", track_slug: "canberraoffroad", depth: "summary" })
    const url = `${sim.trackUrl("canberraoffroad")}/results/?p=view_event&id=486677`
    const page = await Effect.runPromise(parseEventPage(await (await fetch(url)).text(), url))
    expect(done).toMatchObject({
      status: "completed",
      attempts: 1,
      result: { event_id: "486677", name: page.name, date: page.date, races: page.races.length },
      progress: { stage: "parse_event_page", done: 1, total: 1 }
    })
  })

  it("fails an event without a track slug terminally, with a code that says so", async () => {
    const done = await run({ kind: "ingest_event", event_id: "486677", depth: "summary" })
    expect(done).toMatchObject({ status: "failed", attempts: 1, error_code: "TRACK_SLUG_REQUIRED" })
  })

  it("fails kinds without a handler yet as NOT_IMPLEMENTED", async () => {
    const done = await run({ kind: "sync_tracks" })
    expect(done).toMatchObject({ status: "failed", attempts: 1, error_code: "NOT_IMPLEMENTED" })
  })

  it("retries while LiveRC answers 503, then fails with the last error", async () => {
    await sim.configure({ faults: { rate503: 1 } })
    try {
      const done = await run({ kind: "ingest_event", event_id: "486677", track_slug: "bbrcc", depth: "summary" })
      expect(done).toMatchObject({ status: "failed", attempts: 2, error_code: "LIVERC_UNAVAILABLE" })
    } finally {
      await sim.configure({ faults: { rate503: 0 } })
    }
  })

  it("stops on SIGTERM with exit code 0", async () => {
    const exited = new Promise<number | null>((resolve) => worker.once("exit", (code) => resolve(code)))
    worker.kill("SIGTERM")
    expect(await exited).toBe(0)
    expect(output).toContain("worker pool stopped")
  })
})
