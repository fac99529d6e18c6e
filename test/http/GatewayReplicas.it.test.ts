import { Agent, request } from "undici"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { call, type GatewayProcess, startGateway } from "../support/GatewayProcess.ts"
import { type NatsTestServer, startNatsServer } from "../support/NatsTestServer.ts"
import { queueEnv } from "../support/QueueHarness.ts"
import { waitUntil } from "../support/QueueProbe.ts"
import type { TestDatabase } from "../support/TestDatabase.ts"
import { startWorker, type WorkerProcess } from "../support/WorkerProcess.ts"
import { seededDatabase } from "./GatewayRig.ts"

/**
 * Three gateway processes and one scripted test worker (test/support/TestWorker.ts, one job at a
 * time cluster-wide) on one private nats-server: dedupe holds across processes under a storm,
 * every replica answers for every job, and a cancelled job never runs. An ingest's track slug is
 * the worker's script (`hang` runs until cancelled, `sleep-<ms>` sleeps).
 */

const STORM = 1000

describe("liverc-ingest gateway replicas", () => {
  let nats: NatsTestServer
  let db: TestDatabase
  let gateways: Array<GatewayProcess> = []
  let worker: WorkerProcess
  let agent: Agent

  beforeAll(async () => {
    nats = await startNatsServer()
    db = await seededDatabase([])
    // Every process gets the same topology settings, or each would re-provision the others'.
    const env = queueEnv(nats.url, { INGEST_MAX_CONCURRENT: "1", WORKER_CONCURRENCY: "1" })
    gateways = await Promise.all([1, 2, 3].map(() => startGateway({ ...env, DATABASE_URL: db.url })))
    worker = await startWorker("w1", env)
    agent = new Agent({ connections: 400, pipelining: 0 })
  })
  afterAll(async () => {
    await agent?.close()
    await worker?.kill()
    await Promise.all(gateways.map((g) => g.kill()))
    db?.drop()
    await nats?.stop()
  })

  const job = (gateway: GatewayProcess, jobId: string) => call(`${gateway.url}/api/v1/ingestion/jobs/${jobId}`)

  it(`turns ${STORM} concurrent identical requests through 3 gateways into exactly one job`, async () => {
    const body = JSON.stringify({ track_slug: "hang", source_event_id: "424242", depth: "summary" })
    const answers = await Promise.all(Array.from({ length: STORM }, async (_, i) => {
      const gateway = gateways[i % gateways.length]!
      const response = await request(`${gateway.url}/api/v1/events/ingest`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body,
        dispatcher: agent
      })
      return { status: response.statusCode, body: (await response.body.json()) as any }
    }))

    expect(answers.filter((a) => a.status !== 202)).toEqual([])
    const jobIds = new Set(answers.map((a) => a.body.data.job_id))
    expect(jobIds.size).toBe(1)
    expect(answers.filter((a) => a.body.data.deduplicated === false)).toHaveLength(1)
    expect(answers.filter((a) => a.body.data.deduplicated === true)).toHaveLength(STORM - 1)

    const [jobId] = [...jobIds] as [string]
    const started = await worker.waitFor((e) => e.ev === "start" && e.job === jobId)
    expect(started.attempt).toBe(1)
    expect(worker.events.filter((e) => e.ev === "start")).toHaveLength(1)
  })

  it("answers GET for a job on every replica, whichever enqueued it", async () => {
    const enqueued = await call(`${gateways[0]!.url}/api/v1/tracks/replica-probe/events/sync`, { method: "POST" })
    expect(enqueued.status).toBe(202)
    const jobId = enqueued.body.data.job_id
    for (const gateway of gateways) {
      const answer = await job(gateway, jobId)
      expect(answer.status).toBe(200)
      expect(answer.body.data).toMatchObject({ job_id: jobId, kind: "sync_events", status: "queued" })
    }
    // Leave the queue as it was for the next test.
    expect((await call(`${gateways[2]!.url}/api/v1/ingestion/jobs/${jobId}`, { method: "DELETE" })).status).toBe(200)
  })

  it("cancels a queued job through one replica so that it never runs, and a running one through another", async () => {
    const running = worker.events.find((e) => e.ev === "start")!.job!
    expect((await job(gateways[1]!, running)).body.data.status).toBe("running")

    // The worker's one slot is taken by the hanging job, so this one waits.
    const queued = await call(`${gateways[0]!.url}/api/v1/events/ingest`, {
      method: "POST",
      body: { track_slug: "sleep-10", source_event_id: "424243" }
    })
    expect(queued.body.data.status).toBe("queued")
    const queuedId = queued.body.data.job_id

    const cancelled = await call(`${gateways[1]!.url}/api/v1/ingestion/jobs/${queuedId}`, { method: "DELETE" })
    expect(cancelled.status).toBe(200)
    expect(cancelled.body.data).toMatchObject({ job_id: queuedId, status: "cancelled" })
    expect((await job(gateways[2]!, queuedId)).body.data.status).toBe("cancelled")

    // A job enqueued after it: once this one has run, the cancelled one would have run before it.
    const later = await call(`${gateways[2]!.url}/api/v1/events/ingest`, {
      method: "POST",
      body: { track_slug: "sleep-10", source_event_id: "424244" }
    })
    const laterId = later.body.data.job_id

    const stopped = await call(`${gateways[2]!.url}/api/v1/ingestion/jobs/${running}`, { method: "DELETE" })
    expect(stopped.status).toBe(200)
    expect(stopped.body.data.status).toBe("cancelled")
    await worker.waitFor((e) => e.ev === "finalized" && e.job === running)

    // The handler's `end` comes just before the worker writes `completed`: poll, as a UI would.
    await worker.waitFor((e) => e.ev === "end" && e.job === laterId)
    await waitUntil(async () => (await job(gateways[0]!, laterId)).body.data.status === "completed", 5000, `${laterId} completed`)
    expect(worker.events.filter((e) => e.job === queuedId)).toEqual([])
    expect((await job(gateways[0]!, queuedId)).body.data.status).toBe("cancelled")
    expect((await job(gateways[1]!, running)).body.data.status).toBe("cancelled")
  })
})
