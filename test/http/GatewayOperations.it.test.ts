import { request as httpRequest } from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { call, type GatewayProcess, startGateway } from "../support/GatewayProcess.ts"
import { type NatsTestServer, startNatsServer } from "../support/NatsTestServer.ts"
import { queueEnv } from "../support/QueueHarness.ts"
import { sleep } from "../support/QueueProbe.ts"
import { startTcpProxy, type TcpProxy } from "../support/TcpProxy.ts"
import type { TestDatabase } from "../support/TestDatabase.ts"
import { seededDatabase } from "./GatewayRig.ts"

/**
 * A gateway process when things go wrong around it: a full queue, Postgres and NATS going away
 * and coming back, and SIGTERM with a request in flight. Postgres is reached through a proxy the
 * test cuts; NATS is a private server the test kills and restarts.
 */

const STORED_EVENT = "486677"

const eventually = async <A>(probe: () => Promise<A>, accept: (a: A) => boolean, timeoutMillis = 15_000): Promise<A> => {
  const deadline = Date.now() + timeoutMillis
  let last = await probe()
  while (!accept(last)) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMillis} ms; last: ${JSON.stringify(last)}`)
    await sleep(100)
    last = await probe()
  }
  return last
}

describe("liverc-ingest gateway operations", () => {
  let nats: NatsTestServer
  let db: TestDatabase
  let postgres: TcpProxy
  let gateway: GatewayProcess

  beforeAll(async () => {
    nats = await startNatsServer()
    db = await seededDatabase([STORED_EVENT])
    const url = new URL(db.url)
    postgres = await startTcpProxy(url.hostname, Number(url.port || 5432))
    url.port = String(postgres.port)
    gateway = await startGateway({
      ...queueEnv(nats.url, { INGEST_QUEUE_MAX: "2" }),
      DATABASE_URL: url.toString(),
      GATEWAY_SHUTDOWN_GRACE: "10s"
    })
  })
  afterAll(async () => {
    await gateway?.kill()
    await postgres?.close()
    db?.drop()
    await nats?.stop()
  })

  const api = (path: string, method = "GET", body?: unknown) => call(`${gateway.url}${path}`, { method, body })

  it("answers 503 QUEUE_FULL with Retry-After when INGEST_QUEUE_MAX jobs wait, and drops none it accepted", async () => {
    const first = await api("/api/v1/tracks/full-a/events/sync", "POST")
    const second = await api("/api/v1/tracks/full-b/events/sync", "POST")
    expect([first.status, second.status]).toEqual([202, 202])

    const refused = await api("/api/v1/tracks/full-c/events/sync", "POST")
    expect(refused.status).toBe(503)
    expect(refused.body).toEqual({ success: false, error: { code: "QUEUE_FULL", message: expect.any(String) } })
    expect(refused.headers.get("retry-after")).toBe("5")

    for (const accepted of [first, second]) {
      const job = await api(`/api/v1/ingestion/jobs/${accepted.body.data.job_id}`)
      expect(job.body.data).toMatchObject({ job_id: accepted.body.data.job_id, status: "queued" })
    }
  })

  it("reports Postgres down on /readyz (503 NOT_READY) and refuses a stored-event ingest with DATABASE_UNAVAILABLE, until it is back", async () => {
    await postgres.down()
    try {
      const ready = await api("/readyz")
      expect(ready.status).toBe(503)
      expect(ready.body).toEqual({ success: false, error: { code: "NOT_READY", message: expect.any(String) } })
      expect(ready.body.error.message).toMatch(/postgres down/)
      expect(ready.body.error.message).toMatch(/nats ok/)

      const ingest = await api(`/api/v1/events/${STORED_EVENT}/ingest`, "POST")
      expect(ingest.status).toBe(503)
      expect(ingest.body.error.code).toBe("DATABASE_UNAVAILABLE")
    } finally {
      await postgres.up()
    }
    const back = await eventually(() => api("/readyz"), (a) => a.status === 200)
    expect(back.body).toEqual({ success: true, data: { nats: "ok", postgres: "ok" } })
  })

  it("reports NATS down on /readyz and answers queue routes with QUEUE_UNAVAILABLE, then recovers with every job intact", async () => {
    const queued = await api("/api/v1/tracks/full-a/events/sync", "POST")
    const jobId = queued.body.data.job_id
    await nats.kill()
    try {
      const ready = await eventually(() => api("/readyz"), (a) => a.status === 503)
      expect(ready.body.error.code).toBe("NOT_READY")
      expect(ready.body.error.message).toMatch(/nats down/)
      expect(ready.body.error.message).toMatch(/postgres ok/)

      const enqueue = await api("/api/v1/tracks/sync", "POST")
      expect(enqueue.status).toBe(503)
      expect(enqueue.body).toEqual({ success: false, error: { code: "QUEUE_UNAVAILABLE", message: expect.any(String) } })
      const poll = await api(`/api/v1/ingestion/jobs/${jobId}`)
      expect(poll.status).toBe(503)
      expect(poll.body.error.code).toBe("QUEUE_UNAVAILABLE")
      expect((await api("/healthz")).status).toBe(200)
    } finally {
      await nats.restart()
    }
    await eventually(() => api("/readyz"), (a) => a.status === 200)
    const after = await api(`/api/v1/ingestion/jobs/${jobId}`)
    expect(after.body.data).toMatchObject({ job_id: jobId, status: "queued" })
  })

  it("on SIGTERM stops accepting connections, finishes the request in flight and exits 0", async () => {
    // Room for the request in flight to be accepted.
    const waiting = await api("/api/v1/tracks/full-b/events/sync", "POST")
    expect((await api(`/api/v1/ingestion/jobs/${waiting.body.data.job_id}`, "DELETE")).status).toBe(200)

    const body = JSON.stringify({ track_slug: "bbrcc", source_event_id: "555001", depth: "summary" })
    const half = Math.floor(body.length / 2)
    let req: ReturnType<typeof httpRequest> | undefined
    const answered = new Promise<{ status: number; body: any }>((resolve, reject) => {
      req = httpRequest(`${gateway.url}/api/v1/events/ingest`, {
        method: "POST",
        headers: { "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) }
      }, (res) => {
        let text = ""
        res.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")))
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }))
      })
      req.on("error", reject)
      req.write(body.slice(0, half))
    })
    await sleep(300)

    const exitCode = gateway.terminate()
    await sleep(500)
    // The listener is closed: a new connection is refused while the old request is still open.
    await expect(fetch(`${gateway.url}/healthz`)).rejects.toThrow()

    req!.end(body.slice(half))
    const answer = await answered
    expect(answer.status).toBe(202)
    expect(answer.body.data).toMatchObject({ kind: "ingest_event", params: { event_id: "555001" }, deduplicated: false })
    expect(await exitCode).toBe(0)
  })
})
