import { jetstreamManager } from "@nats-io/jetstream"
import { Kvm } from "@nats-io/kv"
import { connect, type NatsConnection } from "@nats-io/transport-node"
import { request as httpRequest } from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { PgClient } from "@effect/sql-pg"
import { Effect, Layer, Redacted } from "effect"
import { EventWriter } from "../../src/db/EventWriter.ts"
import { JOBS_BUCKET } from "../../src/queue/Topology.ts"
import { loadRealEvent, realSnapshot } from "../db/Fixtures.ts"
import { call, type GatewayProcess, startGateway } from "../support/GatewayProcess.ts"
import { type NatsTestServer, startNatsServer } from "../support/NatsTestServer.ts"
import { queueEnv } from "../support/QueueHarness.ts"
import { realEventStandings } from "../support/SimStandings.ts"
import type { TestDatabase } from "../support/TestDatabase.ts"
import { labelValues, sample, seededDatabase, STORED_TRACK } from "./GatewayRig.ts"

/**
 * `liverc-ingest gateway` as a process over a private nats-server and a seeded test database, with
 * no worker, so every job it enqueues stays queued: every route's answer and every error class,
 * always in the envelope.
 */

const TOKEN = "gateway-test-token-0123456789"
const STORED_EVENT = "486677"
const STORED_EVENT_2 = "486678"
/** Stored, and enqueued by one test only. */
const STORED_EVENT_3 = "486679"
/** The one job id format (JobCommands.newJobId), whoever made the command. */
const JOB_ID = /^job-[A-Za-z0-9_-]{16}$/

describe("liverc-ingest gateway", () => {
  let nats: NatsTestServer
  let db: TestDatabase
  let gateway: GatewayProcess
  let nc: NatsConnection

  beforeAll(async () => {
    nats = await startNatsServer()
    db = await seededDatabase([STORED_EVENT, STORED_EVENT_2, STORED_EVENT_3])
    gateway = await startGateway({ ...queueEnv(nats.url), DATABASE_URL: db.url, GATEWAY_TOKEN: TOKEN })
    nc = await connect({ servers: nats.url })
  })
  afterAll(async () => {
    await nc?.close()
    await gateway?.kill()
    db?.drop()
    await nats?.stop()
  })

  const post = (path: string, body?: unknown) => call(`${gateway.url}${path}`, { method: "POST", body, token: TOKEN })
  const get = (path: string, token?: string) => call(`${gateway.url}${path}`, { token })
  const del = (path: string) => call(`${gateway.url}${path}`, { method: "DELETE", token: TOKEN })

  const expectError = (answer: { status: number; body: any }, status: number, code: string) => {
    expect(answer.status).toBe(status)
    expect(answer.body).toEqual({ success: false, error: { code, message: expect.any(String) } })
  }

  describe("enqueue routes", () => {
    it("ingests a stored event by its id: 202 with the queued job, its track looked up, depth laps_full", async () => {
      const answer = await post(`/api/v1/events/${STORED_EVENT}/ingest`)
      expect(answer.status).toBe(202)
      expect(answer.body).toMatchObject({
        success: true,
        data: {
          kind: "ingest_event",
          status: "queued",
          attempts: 0,
          queue_position: expect.any(Number),
          progress: null,
          result: null,
          error_code: null,
          error_message: null,
          params: { event_id: STORED_EVENT, track_slug: STORED_TRACK, depth: "laps_full" },
          deduplicated: false
        }
      })
      expect(answer.body.data.job_id).toMatch(JOB_ID)
    })

    it("takes the depth from the optional body", async () => {
      const answer = await post(`/api/v1/events/${STORED_EVENT_2}/ingest`, { depth: "summary" })
      expect(answer.status).toBe(202)
      expect(answer.body.data.params).toEqual({ event_id: STORED_EVENT_2, track_slug: STORED_TRACK, depth: "summary" })
    })

    it("answers an event that is not stored with 404 EVENT_NOT_STORED pointing to the track form", async () => {
      const answer = await post("/api/v1/events/999001/ingest")
      expectError(answer, 404, "EVENT_NOT_STORED")
      expect(answer.body.error.message).toContain("POST /api/v1/events/ingest")
      expect(answer.body.error.message).toContain("track_slug")
    })

    it("ingests by track slug and event id, and returns the live job to a repeat with deduplicated: true", async () => {
      const first = await post("/api/v1/events/ingest", { track_slug: "bbrcc", source_event_id: "700001", depth: "summary" })
      expect(first.status).toBe(202)
      expect(first.body.data).toMatchObject({
        kind: "ingest_event",
        status: "queued",
        params: { event_id: "700001", track_slug: "bbrcc", depth: "summary" },
        deduplicated: false
      })
      const again = await post("/api/v1/events/ingest", { track_slug: "bbrcc", source_event_id: "700001", depth: "summary" })
      expect(again.status).toBe(202)
      expect(again.body.data).toMatchObject({ job_id: first.body.data.job_id, deduplicated: true })
    })

    it("raises a live summary job to laps_full when laps are asked for, answering upgraded: true; never lowers it", async () => {
      const first = await post("/api/v1/events/ingest", { track_slug: "bbrcc", source_event_id: "700004", depth: "summary" })
      expect(first.body.data).toMatchObject({ status: "queued", params: { depth: "summary" }, upgraded: false })
      const deeper = await post("/api/v1/events/ingest", { track_slug: "bbrcc", source_event_id: "700004", depth: "laps_full" })
      expect(deeper.status).toBe(202)
      expect(deeper.body.data).toMatchObject({
        job_id: first.body.data.job_id,
        status: "queued",
        params: { event_id: "700004", depth: "laps_full" },
        deduplicated: true,
        upgraded: true
      })
      // What any gateway reads is the raised job; a shallower repeat changes nothing.
      expect((await get(`/api/v1/ingestion/jobs/${first.body.data.job_id}`)).body.data.params.depth).toBe("laps_full")
      const shallower = await post("/api/v1/events/ingest", { track_slug: "bbrcc", source_event_id: "700004", depth: "summary" })
      expect(shallower.body.data).toMatchObject({ params: { depth: "laps_full" }, deduplicated: true, upgraded: false })
      const forced = await post("/api/v1/events/ingest", { track_slug: "bbrcc", source_event_id: "700004", force: true })
      expect(forced.body.data).toMatchObject({ params: { depth: "laps_full", force: true }, upgraded: true })
    })

    it("passes force: true on, by track and by id, and refuses a force that is not a boolean with 400", async () => {
      const byTrack = await post("/api/v1/events/ingest", { track_slug: "bbrcc", source_event_id: "700002", force: true })
      expect(byTrack.status).toBe(202)
      expect(byTrack.body.data).toMatchObject({ params: { event_id: "700002", force: true } })
      const byId = await post(`/api/v1/events/${STORED_EVENT_3}/ingest`, { force: true })
      expect(byId.status).toBe(202)
      expect(byId.body.data).toMatchObject({ params: { event_id: STORED_EVENT_3, track_slug: STORED_TRACK, force: true } })
      const plain = await post("/api/v1/events/ingest", { track_slug: "bbrcc", source_event_id: "700003" })
      expect(plain.body.data.params).not.toHaveProperty("force")
      expectError(await post("/api/v1/events/ingest", { track_slug: "bbrcc", source_event_id: "1", force: "yes" }), 400, "VALIDATION_ERROR")
    })

    it("shares the dedupe key between ingest by id and ingest by track (LiveRC event ids are global)", async () => {
      const byId = await post(`/api/v1/events/${STORED_EVENT}/ingest`)
      const byTrack = await post("/api/v1/events/ingest", { track_slug: STORED_TRACK, source_event_id: STORED_EVENT })
      expect(byTrack.status).toBe(202)
      expect(byTrack.body.data).toMatchObject({ job_id: byId.body.data.job_id, deduplicated: true })
    })

    it("enqueues sync_tracks, sync_events and discover_practice", async () => {
      const tracks = await post("/api/v1/tracks/sync")
      expect(tracks.status).toBe(202)
      expect(tracks.body.data).toMatchObject({ kind: "sync_tracks", status: "queued", params: {}, deduplicated: false })

      const events = await post("/api/v1/tracks/bbrcc/events/sync")
      expect(events.status).toBe(202)
      expect(events.body.data).toMatchObject({ kind: "sync_events", params: { track_slug: "bbrcc" } })

      const practice = await post("/api/v1/tracks/bbrcc/practice/discover", { from: "2025-01-01", to: "2025-12-31" })
      expect(practice.status).toBe(202)
      expect(practice.body.data).toMatchObject({
        kind: "discover_practice",
        params: { track_slug: "bbrcc", from: "2025-01-01", to: "2025-12-31" }
      })
    })
  })

  describe("job routes", () => {
    it("answers GET for a job with its status document and queue position, without a token", async () => {
      const enqueued = await post("/api/v1/tracks/job-get/events/sync")
      const answer = await get(`/api/v1/ingestion/jobs/${enqueued.body.data.job_id}`)
      expect(answer.status).toBe(200)
      const { deduplicated: _, upgraded: _upgraded, ...document } = enqueued.body.data
      expect(answer.body).toEqual({ success: true, data: { ...document, queue_position: expect.any(Number) } })
    })

    it("cancels a queued job (200, cancelled), then refuses a second cancel with 409", async () => {
      const enqueued = await post("/api/v1/tracks/job-cancel/events/sync")
      const id = enqueued.body.data.job_id
      const cancelled = await del(`/api/v1/ingestion/jobs/${id}`)
      expect(cancelled.status).toBe(200)
      expect(cancelled.body).toMatchObject({ success: true, data: { job_id: id, status: "cancelled" } })
      expect((await get(`/api/v1/ingestion/jobs/${id}`)).body.data.status).toBe("cancelled")
      expectError(await del(`/api/v1/ingestion/jobs/${id}`), 409, "JOB_ALREADY_FINISHED")
      // Its key is free again: a new request makes a new job.
      const next = await post("/api/v1/tracks/job-cancel/events/sync")
      expect(next.body.data).toMatchObject({ deduplicated: false })
      expect(next.body.data.job_id).not.toBe(id)
    })

    it("answers a status document that does not decode with 500 STATUS_CORRUPT naming the fix", async () => {
      const jobId = "job-corrupt-000001"
      const kv = await new Kvm(nc).open(JOBS_BUCKET)
      await kv.put(jobId, "{\"job_id\": 42")
      const answer = await get(`/api/v1/ingestion/jobs/${jobId}`)
      expectError(answer, 500, "STATUS_CORRUPT")
      expect(answer.body.error.message).toContain(`nats kv del ingest_jobs ${jobId}`)
      // The gateway carries on: the next read of a good job is answered as usual.
      expect((await get("/healthz")).status).toBe(200)
      await kv.delete(jobId)
    })

    it("answers an unknown job with 404 JOB_NOT_FOUND on GET and DELETE", async () => {
      expectError(await get("/api/v1/ingestion/jobs/00000000-0000-4000-8000-000000000000"), 404, "JOB_NOT_FOUND")
      expectError(await del("/api/v1/ingestion/jobs/00000000-0000-4000-8000-000000000000"), 404, "JOB_NOT_FOUND")
    })
  })

  describe("bad input", () => {
    const cases: ReadonlyArray<readonly [string, string, unknown, string]> = [
      ["a non-numeric event id", "/api/v1/events/abc/ingest", undefined, "eventId"],
      ["an event id with a leading zero", "/api/v1/events/0486677/ingest", undefined, "eventId"],
      ["an unknown depth", `/api/v1/events/${STORED_EVENT}/ingest`, { depth: "deep" }, "depth"],
      ["a body that is not an object", `/api/v1/events/${STORED_EVENT}/ingest`, [1, 2], "body"],
      ["a slug with a dot", "/api/v1/events/ingest", { track_slug: "bad.slug", source_event_id: "1" }, "track_slug"],
      ["a missing event id", "/api/v1/events/ingest", { track_slug: "bbrcc" }, "source_event_id"],
      ["a numeric event id", "/api/v1/events/ingest", { track_slug: "bbrcc", source_event_id: 42 }, "source_event_id"],
      ["an unknown field", "/api/v1/events/ingest", { track_slug: "bbrcc", source_event_id: "1", priority: 1 }, "priority"],
      ["an upper-case slug in the path", "/api/v1/tracks/BBRCC/events/sync", undefined, "slug"],
      ["a date that is not a day", "/api/v1/tracks/bbrcc/practice/discover", { from: "2025-02-30", to: "2025-03-01" }, "from"],
      ["a date in another format", "/api/v1/tracks/bbrcc/practice/discover", { from: "2025-01-01", to: "01/03/2025" }, "to"],
      ["a range that ends before it starts", "/api/v1/tracks/bbrcc/practice/discover", { from: "2025-03-01", to: "2025-02-01" }, "to"],
      ["a range of more than 366 days", "/api/v1/tracks/bbrcc/practice/discover", { from: "2024-01-01", to: "2025-01-02" }, "to"],
      ["malformed JSON", "/api/v1/events/ingest", "{\"track_slug\": ", "body"]
    ]
    it.each(cases)("refuses %s with 400 VALIDATION_ERROR naming the field", async (_, path, body, field) => {
      const answer = await post(path, body)
      expectError(answer, 400, "VALIDATION_ERROR")
      expect(answer.body.error.message).toContain(`invalid ${field}`)
    })

    it("refuses a job id that cannot be one with 400 naming jobId", async () => {
      const answer = await get("/api/v1/ingestion/jobs/bad!id")
      expectError(answer, 400, "VALIDATION_ERROR")
      expect(answer.body.error.message).toContain("invalid jobId")
    })

    it("refuses a body that is not JSON with 415", async () => {
      const answer = await call(`${gateway.url}/api/v1/events/ingest`, {
        method: "POST",
        token: TOKEN,
        body: "track_slug=bbrcc&source_event_id=1",
        headers: { "content-type": "application/x-www-form-urlencoded" }
      })
      expectError(answer, 415, "UNSUPPORTED_MEDIA_TYPE")
    })

    it("refuses a body over 16 KiB with 413 by its declared length", async () => {
      const answer = await post("/api/v1/events/ingest", { track_slug: "bbrcc", source_event_id: "1", pad: "x".repeat(17_000) })
      expectError(answer, 413, "PAYLOAD_TOO_LARGE")
    })

    it("cuts off a chunked body at 16 KiB with 413", async () => {
      const answer = await new Promise<{ status: number; body: any }>((resolve, reject) => {
        const req = httpRequest(`${gateway.url}/api/v1/events/ingest`, {
          method: "POST",
          headers: { "content-type": "application/json", authorization: `Bearer ${TOKEN}`, "transfer-encoding": "chunked" }
        }, (res) => {
          let text = ""
          res.on("data", (chunk: Buffer) => (text += chunk.toString("utf8")))
          res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }))
        })
        req.on("error", reject)
        req.write("{\"pad\": \"")
        for (let i = 0; i < 40; i++) req.write("x".repeat(1024))
        req.end("\"}")
      })
      expectError(answer, 413, "PAYLOAD_TOO_LARGE")
    })

    it("answers an unknown route or method with 404 NOT_FOUND", async () => {
      expectError(await get("/api/v1/nothing-here"), 404, "NOT_FOUND")
      expectError(await post("/healthz"), 404, "NOT_FOUND")
    })
  })

  describe("event read route", () => {
    const standings = realEventStandings()

    beforeAll(async () => {
      // Event 486677 as an ingest stores it, with its four kinds of standings pages.
      await Effect.runPromise(
        Effect.gen(function*() {
          const { event, results } = yield* loadRealEvent
          yield* (yield* EventWriter).write({ ...realSnapshot(event, results), standings })
        }).pipe(
          Effect.provide(EventWriter.layer.pipe(Layer.provide(PgClient.layer({ url: Redacted.make(db.url), maxConnections: 1 }))))
        )
      )
    })

    it("answers a stored event with its races and its standings in four sections, without a token", async () => {
      const answer = await get(`/api/v1/events/${STORED_EVENT}`)
      expect(answer.status).toBe(200)
      expect(answer.body.success).toBe(true)
      const event = answer.body.data
      expect(event).toMatchObject({ eventId: STORED_EVENT, trackSlug: STORED_TRACK, ingestDepth: "laps_full" })
      expect(event.races).toHaveLength(32)
      expect(event.races[0]).toMatchObject({ raceId: "6304829", label: "1/8 Nitro Buggy A-Main", ingestDepth: "laps_full" })
      expect(event.links.multiMains.map((link: { id: string }) => link.id)).toEqual(["939156", "939133", "939123"])
      expect(event.multiMainResults).toEqual(standings.multiMains.map(({ page }) => page))
      expect(event.rankings).toEqual(standings.roundRankings.map(({ page }) => page))
      expect(event.points).toEqual(standings.points.map(({ page }) => page))
      expect(event.overallRanking).toEqual(standings.overallRanking!.page.classes)
      expect(event.overallRanking.reduce((sum: number, table: { entries: Array<unknown> }) => sum + table.entries.length, 0))
        .toBe(71)
    })

    it("answers an event stored from the events list alone with every section an empty list", async () => {
      const answer = await get(`/api/v1/events/${STORED_EVENT_2}`)
      expect(answer.status).toBe(200)
      expect(answer.body.data).toMatchObject({
        eventId: STORED_EVENT_2,
        ingestDepth: "none",
        races: [],
        multiMainResults: [],
        rankings: [],
        points: [],
        overallRanking: []
      })
    })

    it("answers an unknown event with 404 EVENT_NOT_STORED and an id that cannot be one with 400 naming eventId", async () => {
      expectError(await get("/api/v1/events/123"), 404, "EVENT_NOT_STORED")
      const invalid = await get("/api/v1/events/12x")
      expectError(invalid, 400, "VALIDATION_ERROR")
      expect(invalid.body.error.message).toContain("eventId")
      expectError(await get("/api/v1/events/0123"), 400, "VALIDATION_ERROR")
    })
  })

  describe("bearer token", () => {
    const mutating: ReadonlyArray<readonly [string, string, unknown]> = [
      ["POST", `/api/v1/events/${STORED_EVENT}/ingest`, undefined],
      ["POST", "/api/v1/events/ingest", { track_slug: "bbrcc", source_event_id: "1" }],
      ["POST", "/api/v1/tracks/sync", undefined],
      ["POST", "/api/v1/tracks/bbrcc/events/sync", undefined],
      ["POST", "/api/v1/tracks/bbrcc/practice/discover", { from: "2025-01-01", to: "2025-01-31" }],
      ["DELETE", "/api/v1/ingestion/jobs/00000000-0000-4000-8000-000000000000", undefined],
      ["GET", "/api/v1/admin/liverc/pause", undefined],
      ["PUT", "/api/v1/admin/liverc/pause", undefined],
      ["DELETE", "/api/v1/admin/liverc/pause", undefined]
    ]
    it.each(mutating)("refuses %s %s without the token, or with another, with 401", async (method, path, body) => {
      const missing = await call(`${gateway.url}${path}`, { method, body })
      expectError(missing, 401, "UNAUTHORIZED")
      expect(missing.headers.get("www-authenticate")).toBe("Bearer")
      expectError(await call(`${gateway.url}${path}`, { method, body, token: "not-the-token-at-all" }), 401, "UNAUTHORIZED")
    })

    it("checks the token before the body: no token and a bad body is 401, not 400", async () => {
      const answer = await call(`${gateway.url}/api/v1/events/ingest`, { method: "POST", body: { track_slug: "BAD" } })
      expectError(answer, 401, "UNAUTHORIZED")
      // And before the content type: a form without the token is 401, with it 415.
      const form = { method: "PUT", headers: { "content-type": "application/x-www-form-urlencoded" } }
      expectError(await call(`${gateway.url}/api/v1/admin/liverc/pause`, form), 401, "UNAUTHORIZED")
      expectError(await call(`${gateway.url}/api/v1/admin/liverc/pause`, { ...form, token: TOKEN }), 415, "UNSUPPORTED_MEDIA_TYPE")
    })

    it("leaves reads of jobs, health, readiness, metrics and docs open", async () => {
      expect((await get("/healthz")).status).toBe(200)
      expect((await get("/readyz")).status).toBe(200)
      expect((await get("/metrics")).status).toBe(200)
      expect((await get("/docs/openapi.json")).status).toBe(200)
      expect((await get("/api/v1/ingestion/jobs/00000000-0000-4000-8000-000000000000")).status).toBe(404)
    })
  })

  describe("admin kill switch", () => {
    it("pauses and resumes all LiveRC traffic through the host_throttle kill switch", async () => {
      const bucket = await new Kvm(nc).open("host_throttle")

      const paused = await call(`${gateway.url}/api/v1/admin/liverc/pause`, { method: "PUT", token: TOKEN })
      expect(paused.status).toBe(200)
      expect(paused.body).toMatchObject({ success: true, data: { paused: true, value: "on", revision: expect.any(Number) } })
      expect((await bucket.get("killswitch"))?.string()).toBe("on")
      expect((await get("/api/v1/admin/liverc/pause", TOKEN)).body.data.paused).toBe(true)

      const resumed = await del("/api/v1/admin/liverc/pause")
      expect(resumed.status).toBe(200)
      expect(resumed.body.data).toMatchObject({ paused: false, value: "off" })
      expect((await bucket.get("killswitch"))?.string()).toBe("off")
    })
  })

  describe("operations", () => {
    it("answers /healthz and /readyz in the envelope", async () => {
      expect((await get("/healthz")).body).toEqual({ success: true, data: { status: "ok" } })
      expect((await get("/readyz")).body).toEqual({ success: true, data: { nats: "ok", postgres: "ok" } })
    })

    it("serves the OpenAPI page at /docs and the document at /docs/openapi.json", async () => {
      const page = await get("/docs")
      expect(page.status).toBe(200)
      expect(page.headers.get("content-type")).toContain("text/html")
      expect(page.body).toContain("liverc-ingest gateway")

      const spec = (await get("/docs/openapi.json")).body
      expect(spec.openapi).toMatch(/^3\./)
      expect(Object.keys(spec.paths).sort()).toEqual([
        "/api/v1/admin/liverc/pause",
        "/api/v1/events/ingest",
        "/api/v1/events/{eventId}",
        "/api/v1/events/{eventId}/ingest",
        "/api/v1/ingestion/jobs/{jobId}",
        "/api/v1/schedules",
        "/api/v1/schedules/{scheduleId}",
        "/api/v1/tracks/followed",
        "/api/v1/tracks/sync",
        "/api/v1/tracks/{slug}/events/sync",
        "/api/v1/tracks/{slug}/follow",
        "/api/v1/tracks/{slug}/practice/discover",
        "/healthz",
        "/metrics",
        "/readyz"
      ])
      const ingest = spec.paths["/api/v1/events/ingest"].post
      expect(Object.keys(ingest.responses).sort()).toEqual(["202", "400", "401", "413", "415", "421", "500", "503"])
      expect(ingest.security).toEqual([{ bearer: [] }])
      // Every route that changes something documents 415 (JSON only, body or not); every route 421 (Host).
      for (const [path, item] of Object.entries<Record<string, { responses: Record<string, unknown> }>>(spec.paths)) {
        for (const [method, operation] of Object.entries(item)) {
          const codes = Object.keys(operation.responses)
          expect(codes, `${method} ${path}`).toContain("421")
          if (method !== "get") expect(codes, `${method} ${path}`).toContain("415")
          else expect(codes, `${method} ${path}`).not.toContain("415")
        }
      }
    })

    it("exposes request counts by route template and the queue gauges at /metrics", async () => {
      const job = await post("/api/v1/tracks/metrics-probe/events/sync")
      await get(`/api/v1/ingestion/jobs/${job.body.data.job_id}`)
      for (let i = 0; i < 20; i++) await get(`/scan/${i}/${Math.random()}`)

      const answer = await call(`${gateway.url}/metrics`)
      expect(answer.status).toBe(200)
      expect(answer.headers.get("content-type")).toContain("text/plain")
      const text: string = answer.body

      expect(sample(text, "liverc_gateway_requests_total", {
        method: "GET",
        route: "/api/v1/ingestion/jobs/:jobId",
        status: "200"
      })).toBeGreaterThanOrEqual(1)
      expect(sample(text, "liverc_gateway_requests_total", { route: "unmatched", status: "404" })).toBeGreaterThanOrEqual(20)
      // Labels are route templates: no job id and no scanned path ever becomes a label value.
      const routes = labelValues(text, "liverc_gateway_requests_total", "route")
      expect([...routes].filter((r) => r !== "unmatched" && !r.startsWith("/api/v1/") && !r.startsWith("/docs") &&
        !["/healthz", "/readyz", "/metrics"].includes(r))).toEqual([])
      expect([...routes].some((r) => r.includes(job.body.data.job_id) || r.startsWith("/scan"))).toBe(false)

      const consumer = await (await jetstreamManager(nc)).consumers.info("INGEST", "ingest-workers")
      expect(consumer.num_pending).toBeGreaterThan(0)
      expect(sample(text, "liverc_queue_depth")).toBe(consumer.num_pending)
      expect(sample(text, "liverc_queue_jobs_running")).toBe(0)
      expect(sample(text, "liverc_dlq_messages")).toBe(0)
      expect(sample(text, "liverc_queue_stats_up")).toBe(1)
      const oldest = sample(text, "liverc_queue_oldest_job_age_seconds") ?? -1
      expect(oldest).toBeGreaterThan(0)
      expect(oldest).toBeLessThan(600)
      expect(sample(text, "nodejs_eventloop_lag_seconds")).toBeDefined()
      expect(sample(text, "process_resident_memory_bytes")).toBeGreaterThan(0)
    })
  })
})
