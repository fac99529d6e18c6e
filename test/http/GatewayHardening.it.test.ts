import { hostname, networkInterfaces } from "node:os"
import { jetstreamManager } from "@nats-io/jetstream"
import { Kvm } from "@nats-io/kv"
import { connect, type NatsConnection } from "@nats-io/transport-node"
import fc from "fast-check"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type GatewayProcess, startGateway } from "../support/GatewayProcess.ts"
import { type NatsTestServer, startNatsServer } from "../support/NatsTestServer.ts"
import { queueEnv } from "../support/QueueHarness.ts"
import { sleep } from "../support/QueueProbe.ts"
import type { TestDatabase } from "../support/TestDatabase.ts"
import { holdSocket, rawExchange, type RawAnswer, seededDatabase, send, STORED_TRACK, waitForClose } from "./GatewayRig.ts"

/**
 * The gateway against clients that are not ours: a web page in the developer's browser (CSRF with
 * a simple request, DNS rebinding), slow clients that hold connections (slowloris), too many
 * connections, and random hostile requests. Every gateway here runs without GATEWAY_TOKEN, the
 * default, where nothing but the content type and the Host check stands between a web page and
 * the queue.
 */

const STORED_EVENT = "486677"
const HEADERS_TIMEOUT_MILLIS = 1000
const REQUEST_TIMEOUT_MILLIS = 2000
const KEEPALIVE_TIMEOUT_MILLIS = 1000
/** What a server may take beyond a timeout to cut a connection (its check interval, scheduling). */
const SLACK_MILLIS = 1500

const KNOWN_STATUSES = new Set([200, 202, 400, 404, 409, 413, 415, 421])
const KNOWN_CODES = new Set([
  "VALIDATION_ERROR",
  "NOT_FOUND",
  "JOB_NOT_FOUND",
  "EVENT_NOT_STORED",
  "JOB_ALREADY_FINISHED",
  "PAYLOAD_TOO_LARGE",
  "UNSUPPORTED_MEDIA_TYPE",
  "MISDIRECTED_REQUEST"
])

const expectError = (answer: RawAnswer, status: number, code: string) => {
  expect({ status: answer.status, body: answer.body }).toEqual({
    status,
    body: { success: false, error: { code, message: expect.any(String) } }
  })
}

/** A well-formed envelope: `{success: true, data}` or `{success: false, error: {code, message}}`. */
const isEnvelope = (body: unknown): boolean => {
  if (typeof body !== "object" || body === null) return false
  const value = body as Record<string, unknown>
  if (value["success"] === true) return Object.keys(value).sort().join() === "data,success"
  if (value["success"] !== false || Object.keys(value).sort().join() !== "error,success") return false
  const error = value["error"] as Record<string, unknown> | null
  return typeof error === "object" && error !== null && typeof error["code"] === "string" &&
    typeof error["message"] === "string" && Object.keys(error).length === 2
}

describe("liverc-ingest gateway against hostile clients", () => {
  let nats: NatsTestServer
  let db: TestDatabase
  let gateway: GatewayProcess
  let nc: NatsConnection
  let host: string

  beforeAll(async () => {
    nats = await startNatsServer()
    db = await seededDatabase([STORED_EVENT])
    gateway = await startGateway({
      ...queueEnv(nats.url),
      DATABASE_URL: db.url,
      GATEWAY_HEADERS_TIMEOUT: `${HEADERS_TIMEOUT_MILLIS}ms`,
      GATEWAY_REQUEST_TIMEOUT: `${REQUEST_TIMEOUT_MILLIS}ms`,
      GATEWAY_KEEPALIVE_TIMEOUT: `${KEEPALIVE_TIMEOUT_MILLIS}ms`
    })
    host = `127.0.0.1:${gateway.port}`
    nc = await connect({ servers: nats.url })
  })
  afterAll(async () => {
    await nc?.close()
    await gateway?.kill()
    db?.drop()
    await nats?.stop()
  })

  /** Messages in the INGEST stream: one per job enqueued and not cancelled (no worker runs here). */
  const queued = async () => (await (await jetstreamManager(nc)).streams.info("INGEST")).state.messages

  const killSwitch = async () => {
    const entry = await (await new Kvm(nc).open("host_throttle")).get("killswitch")
    return entry === null ? null : { value: entry.string(), revision: entry.revision }
  }

  const json = (headers: Record<string, string> = {}) => ({ host, "content-type": "application/json", ...headers })

  describe("content type (CSRF with a simple request)", () => {
    // A web page can send these cross-origin without a CORS preflight: no content type,
    // text/plain, a form, multipart. And types that are JSON-ish but not application/json.
    const badTypes: ReadonlyArray<readonly [string, string | undefined]> = [
      ["no content type", undefined],
      ["text/plain", "text/plain"],
      ["text/plain with a charset", "text/plain;charset=UTF-8"],
      ["a form", "application/x-www-form-urlencoded"],
      ["multipart", "multipart/form-data; boundary=x"],
      ["a +json vendor type", "application/vnd.x+json"],
      ["application/json-patch+json", "application/json-patch+json"],
      ["an empty content type", ""],
      ["text/json", "text/json"],
      ["application/jsonp", "application/jsonp"]
    ]

    let jobId: string
    beforeAll(async () => {
      const answer = await send(gateway.url, { method: "POST", path: "/api/v1/tracks/csrf-victim/events/sync", headers: json() })
      expect(answer.status).toBe(202)
      jobId = answer.body.data.job_id
    })

    const routes = (): ReadonlyArray<readonly [string, string, string | undefined]> => [
      ["POST", `/api/v1/events/${STORED_EVENT}/ingest`, undefined],
      ["POST", `/api/v1/events/${STORED_EVENT}/ingest`, JSON.stringify({ depth: "summary" })],
      ["POST", "/api/v1/events/ingest", JSON.stringify({ track_slug: "bbrcc", source_event_id: "710001" })],
      ["POST", "/api/v1/tracks/sync", undefined],
      ["POST", "/api/v1/tracks/csrf/events/sync", undefined],
      ["POST", "/api/v1/tracks/csrf/practice/discover", JSON.stringify({ from: "2025-01-01", to: "2025-01-31" })],
      ["DELETE", `/api/v1/ingestion/jobs/${jobId}`, undefined],
      ["PUT", "/api/v1/admin/liverc/pause", undefined],
      ["DELETE", "/api/v1/admin/liverc/pause", undefined]
    ]

    it.each(badTypes)("refuses every route that changes something with %s: 415 in the envelope, nothing done", async (_, type) => {
      const before = { queued: await queued(), killSwitch: await killSwitch() }
      for (const [method, path, body] of routes()) {
        const headers: Record<string, string> = { host }
        if (type !== undefined) headers["content-type"] = type
        const answer = await send(gateway.url, { method, path, headers, ...(body === undefined ? {} : { body }) })
        expect(`${method} ${path}: ${answer.status}`).toBe(`${method} ${path}: 415`)
        expectError(answer, 415, "UNSUPPORTED_MEDIA_TYPE")
      }
      expect({ queued: await queued(), killSwitch: await killSwitch() }).toEqual(before)
      const job = await send(gateway.url, { method: "GET", path: `/api/v1/ingestion/jobs/${jobId}`, headers: { host } })
      expect(job.body.data.status).toBe("queued")
    })

    it("leaves the kill switch as it was on PUT and DELETE pause without a JSON content type", async () => {
      const before = await killSwitch()
      for (const method of ["PUT", "DELETE"]) {
        for (const type of [undefined, "text/plain", "application/x-www-form-urlencoded"]) {
          const headers: Record<string, string> = type === undefined ? { host } : { host, "content-type": type }
          expectError(await send(gateway.url, { method, path: "/api/v1/admin/liverc/pause", headers }), 415, "UNSUPPORTED_MEDIA_TYPE")
        }
      }
      expect(await killSwitch()).toEqual(before)
    })

    it("takes application/json with parameters and in any case", async () => {
      for (const type of ["application/json; charset=utf-8", "Application/JSON", "application/json;charset=UTF-8"]) {
        const answer = await send(gateway.url, {
          method: "POST",
          path: "/api/v1/events/ingest",
          headers: json({ "content-type": type }),
          body: JSON.stringify({ track_slug: "bbrcc", source_event_id: "710002" })
        })
        expect(answer.status).toBe(202)
      }
      const paused = await send(gateway.url, { method: "PUT", path: "/api/v1/admin/liverc/pause", headers: json() })
      expect(paused.status).toBe(200)
      expect(paused.body.data.paused).toBe(true)
      const resumed = await send(gateway.url, { method: "DELETE", path: "/api/v1/admin/liverc/pause", headers: json() })
      expect(resumed.body.data.paused).toBe(false)
    })

    it("needs no content type on reads", async () => {
      expect((await send(gateway.url, { method: "GET", path: "/healthz", headers: { host } })).status).toBe(200)
      const job = await send(gateway.url, { method: "GET", path: `/api/v1/ingestion/jobs/${jobId}`, headers: { host } })
      expect(job.status).toBe(200)
      expect((await send(gateway.url, { method: "GET", path: "/api/v1/admin/liverc/pause", headers: { host } })).status).toBe(200)
    })

    it("still answers a body over 16 KiB with 413 and a wrong JSON type with 400", async () => {
      const big = await send(gateway.url, {
        method: "POST",
        path: "/api/v1/events/ingest",
        headers: json(),
        body: JSON.stringify({ track_slug: "bbrcc", source_event_id: "710003", pad: "x".repeat(17_000) })
      })
      expectError(big, 413, "PAYLOAD_TOO_LARGE")
      const wrong = await send(gateway.url, {
        method: "POST",
        path: "/api/v1/events/ingest",
        headers: json(),
        body: JSON.stringify({ track_slug: "bbrcc", source_event_id: 710003 })
      })
      expectError(wrong, 400, "VALIDATION_ERROR")
      expect(wrong.body.error.message).toContain("invalid source_event_id")
    })
  })

  describe("Host allowlist (DNS rebinding)", () => {
    it("refuses a request for another host with 421 in the envelope and enqueues nothing", async () => {
      const before = await queued()
      const answer = await send(gateway.url, {
        method: "POST",
        path: "/api/v1/tracks/sync",
        headers: json({ host: "evil.example:8080" })
      })
      expectError(answer, 421, "MISDIRECTED_REQUEST")
      expect(await queued()).toBe(before)
    })

    it("refuses a rebinding-style request (the attacker's name, the gateway's port, valid JSON) with 421", async () => {
      const before = { queued: await queued(), killSwitch: await killSwitch() }
      const rebound = `rebind.attacker.example:${gateway.port}`
      const ingest = await send(gateway.url, {
        method: "POST",
        path: "/api/v1/events/ingest",
        headers: json({ host: rebound }),
        body: JSON.stringify({ track_slug: "bbrcc", source_event_id: "720001" })
      })
      expectError(ingest, 421, "MISDIRECTED_REQUEST")
      const pause = await send(gateway.url, { method: "PUT", path: "/api/v1/admin/liverc/pause", headers: json({ host: rebound }) })
      expectError(pause, 421, "MISDIRECTED_REQUEST")
      // Nor can the page read anything back through the rebound name.
      const read = await send(gateway.url, { method: "GET", path: "/api/v1/admin/liverc/pause", headers: { host: rebound } })
      expectError(read, 421, "MISDIRECTED_REQUEST")
      expect({ queued: await queued(), killSwitch: await killSwitch() }).toEqual(before)
    })

    it("checks every route, /healthz, /metrics, /docs and unknown routes included", async () => {
      for (const path of ["/healthz", "/readyz", "/metrics", "/docs", "/docs/openapi.json", "/nothing-here"]) {
        expectError(await send(gateway.url, { method: "GET", path, headers: { host: "evil.example" } }), 421, "MISDIRECTED_REQUEST")
      }
    })

    it("takes the loopback names with or without a port, in any case", async () => {
      const port = gateway.port
      for (const allowed of [`127.0.0.1:${port}`, "127.0.0.1", `localhost:${port}`, `LocalHost:${port}`, `[::1]:${port}`, "[::1]"]) {
        const answer = await send(gateway.url, { method: "GET", path: "/healthz", headers: { host: allowed } })
        expect(`${allowed}: ${answer.status}`).toBe(`${allowed}: 200`)
      }
    })

    it("refuses names that only look like an allowed one", async () => {
      for (const bad of ["127.0.0.1.nip.io", "localhost.evil.example", "evil.example#localhost", "127.0.0.2", "0.0.0.0", "::1"]) {
        const answer = await send(gateway.url, { method: "GET", path: "/healthz", headers: { host: bad } })
        expect(`${bad}: ${answer.status}`).toBe(`${bad}: 421`)
      }
    })

    it("refuses a request without a Host header (HTTP/1.1 and HTTP/1.0) with 421 in the envelope", async () => {
      expectError(await rawExchange(gateway.port, ["GET /healthz HTTP/1.1"]), 421, "MISDIRECTED_REQUEST")
      expectError(await rawExchange(gateway.port, ["GET /healthz HTTP/1.0"]), 421, "MISDIRECTED_REQUEST")
      const before = await queued()
      expectError(
        await rawExchange(gateway.port, ["POST /api/v1/tracks/sync HTTP/1.0", "Content-Type: application/json", "Content-Length: 0"]),
        421,
        "MISDIRECTED_REQUEST"
      )
      expect(await queued()).toBe(before)
    })
  })

  describe("slow clients", () => {
    it("cuts 200 connections that send their headers slowly within about GATEWAY_HEADERS_TIMEOUT, and keeps serving", async () => {
      const sockets = Array.from({ length: 200 }, (_, i) => {
        const held = holdSocket(gateway.port)
        // A quarter send nothing at all; the rest trickle a header line every 200 ms.
        if (i % 4 !== 0) {
          void held.connected.then(() => held.socket.write(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\n`))
          const drip = setInterval(() => {
            if (held.closedAt() !== undefined) clearInterval(drip)
            else held.socket.write(`X-Slow-${Date.now()}: 1\r\n`)
          }, 200)
        }
        return held
      })
      try {
        await Promise.all(sockets.map((s) => s.connected))
        await sleep(300)
        // While they hang on, a normal client is served.
        const normal = await send(gateway.url, { method: "GET", path: "/healthz", headers: { host } })
        expect(normal.status).toBe(200)

        const stillOpen = await waitForClose(sockets, HEADERS_TIMEOUT_MILLIS + SLACK_MILLIS + 1000)
        expect(stillOpen.length).toBe(0)
        const held = sockets.map((s) => s.closedAt()! - s.openedAt)
        expect(Math.max(...held)).toBeLessThan(HEADERS_TIMEOUT_MILLIS + SLACK_MILLIS)
        // None of them got a page: at most Node's bare 408.
        expect(sockets.filter((s) => s.received() !== "" && !s.received().startsWith("HTTP/1.1 408"))).toEqual([])
      } finally {
        for (const s of sockets) s.socket.destroy()
      }
      expect((await send(gateway.url, { method: "GET", path: "/healthz", headers: { host } })).status).toBe(200)
    })

    it("cuts a request whose body trickles within about GATEWAY_REQUEST_TIMEOUT, and enqueues nothing", async () => {
      const before = await queued()
      const body = JSON.stringify({ track_slug: "bbrcc", source_event_id: "730001", depth: "summary" })
      const held = holdSocket(gateway.port)
      await held.connected
      held.socket.write(
        `POST /api/v1/events/ingest HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`
      )
      let sent = 0
      const drip = setInterval(() => {
        if (held.closedAt() !== undefined || sent >= body.length - 1) return
        held.socket.write(body[sent++]!)
      }, 100)
      try {
        const stillOpen = await waitForClose([held], REQUEST_TIMEOUT_MILLIS + SLACK_MILLIS + 1000)
        expect(stillOpen.length).toBe(0)
        expect(held.closedAt()! - held.openedAt).toBeLessThan(REQUEST_TIMEOUT_MILLIS + SLACK_MILLIS)
      } finally {
        clearInterval(drip)
        held.socket.destroy()
      }
      expect(await queued()).toBe(before)
    })

    it("closes an idle keep-alive connection after GATEWAY_KEEPALIVE_TIMEOUT", async () => {
      const held = holdSocket(gateway.port)
      await held.connected
      held.socket.write(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\n\r\n`)
      try {
        const stillOpen = await waitForClose([held], KEEPALIVE_TIMEOUT_MILLIS + SLACK_MILLIS + 1000)
        expect(stillOpen.length).toBe(0)
        expect(held.received()).toMatch(/^HTTP\/1\.1 200/)
        expect(held.closedAt()! - held.openedAt).toBeLessThan(KEEPALIVE_TIMEOUT_MILLIS + SLACK_MILLIS)
      } finally {
        held.socket.destroy()
      }
    })
  })

  describe("hostile HTTP clients (property)", () => {
    const port = () => gateway.port
    const allowedHosts = () => [`127.0.0.1:${port()}`, `localhost:${port()}`, `[::1]:${port()}`, "LOCALHOST"]
    const otherHosts = () => ["evil.example", `evil.example:${port()}`, "127.0.0.1.nip.io", `localhost.evil.example:${port()}`]
    const methods = ["GET", "POST", "PUT", "DELETE", "PATCH"] as const
    const contentTypes = [
      undefined,
      "application/json",
      "application/json; charset=utf-8",
      "text/plain",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=zz",
      "application/vnd.x+json",
      "application/problem+json",
      "",
      "*/*",
      "application/json, text/plain",
      "garbage"
    ] as const

    const segment = fc.oneof(
      fc.constantFrom("486677", "0486677", "abc", "bbrcc", "BBRCC", "bad.slug", "-1", "%2e%2e", "..", "job-AAAAAAAAAAAAAAAA"),
      fc.webSegment(),
      fc.stringMatching(/^[a-z0-9-]{1,20}$/)
    )
    const path = fc.oneof(
      segment.map((s) => `/api/v1/events/${s}/ingest`),
      fc.constant("/api/v1/events/ingest"),
      fc.constant("/api/v1/tracks/sync"),
      segment.map((s) => `/api/v1/tracks/${s}/events/sync`),
      segment.map((s) => `/api/v1/tracks/${s}/practice/discover`),
      segment.map((s) => `/api/v1/ingestion/jobs/${s}`),
      fc.constant("/api/v1/admin/liverc/pause"),
      fc.array(segment, { minLength: 0, maxLength: 5 }).map((parts) => `/api/v1/${parts.join("/")}`),
      fc.tuple(fc.constant("/api/v1/events/ingest"), fc.webQueryParameters()).map(([p, q]) => `${p}?${q}`)
    )
    const body = fc.oneof(
      fc.constant(undefined),
      fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)),
      fc.record({
        track_slug: fc.constantFrom("bbrcc", "prop-track", "BAD", "a.b"),
        source_event_id: fc.oneof(fc.stringMatching(/^[1-9][0-9]{0,7}$/), fc.integer().map(String), fc.integer())
      }, { requiredKeys: [] }).map((v) => JSON.stringify(v)),
      fc.record({
        from: fc.constantFrom("2025-01-01", "2025-02-30", "01/01/2025"),
        to: fc.constantFrom("2025-01-31", "2026-06-01", "x")
      }).map((v) => JSON.stringify(v)),
      fc.constantFrom("depth=summary", "{\"depth\":", "null", "\"x\"", "x".repeat(20_000), JSON.stringify({ depth: "summary" })),
      fc.string({ maxLength: 200 })
    )
    const slug = fc.stringMatching(/^[a-z][a-z0-9]{0,11}$/)
    const eventId = fc.integer({ min: 1, max: 99_999_999 }).map(String)
    /** A request a real client would send, so that some are accepted among the hostile ones. */
    const legitimate = fc.tuple(
      fc.oneof(
        fc.constantFrom(undefined, JSON.stringify({ depth: "summary" })).map((body) => ({ path: `/api/v1/events/${STORED_EVENT}/ingest`, body })),
        fc.tuple(slug, eventId).map(([track_slug, source_event_id]) => ({
          path: "/api/v1/events/ingest",
          body: JSON.stringify({ track_slug, source_event_id }) as string | undefined
        })),
        fc.constant({ path: "/api/v1/tracks/sync", body: undefined }),
        slug.map((s) => ({ path: `/api/v1/tracks/${s}/events/sync`, body: undefined }))
      ),
      fc.constantFrom("application/json", "application/json; charset=utf-8"),
      fc.integer({ min: 0, max: 3 })
    ).map(([{ path, body }, contentType, i]) => ({
      method: "POST" as (typeof methods)[number],
      path,
      contentType: contentType as (typeof contentTypes)[number],
      hostIndex: { allowed: true, i },
      authorization: undefined as string | undefined,
      origin: undefined as string | undefined,
      body,
      legit: true
    }))
    const hostile = fc.record({
      method: fc.constantFrom(...methods),
      path,
      contentType: fc.constantFrom(...contentTypes),
      hostIndex: fc.oneof(fc.integer({ min: 0, max: 3 }).map((i) => ({ allowed: true, i })), fc.integer({ min: 0, max: 4 }).map((i) => ({ allowed: false, i }))),
      authorization: fc.option(fc.constantFrom("Bearer x", "Basic Zm9vOmJhcg==", "Bearer "), { nil: undefined }),
      origin: fc.option(fc.constantFrom("http://localhost:3001", "https://evil.example", "null"), { nil: undefined }),
      body,
      legit: fc.constant(false)
    })

    it("answers every request in the envelope with a known status, keeps serving, and loses no accepted job", async () => {
      const accepted = new Set<string>()
      await fc.assert(
        fc.asyncProperty(fc.oneof({ arbitrary: hostile, weight: 4 }, { arbitrary: legitimate, weight: 1 }), async (r) => {
          const hostName = r.hostIndex.allowed ? allowedHosts()[r.hostIndex.i]! : otherHosts()[r.hostIndex.i]
          const answer = hostName === undefined
            ? await rawExchange(port(), [
              `${r.method} ${r.path} HTTP/1.0`,
              ...(r.contentType === undefined ? [] : [`Content-Type: ${r.contentType}`]),
              `Content-Length: ${Buffer.byteLength(r.body ?? "")}`
            ], r.body ?? "")
            : await send(gateway.url, {
              method: r.method,
              path: r.path,
              headers: {
                host: hostName,
                ...(r.contentType === undefined ? {} : { "content-type": r.contentType }),
                ...(r.authorization === undefined ? {} : { authorization: r.authorization }),
                ...(r.origin === undefined ? {} : { origin: r.origin })
              },
              ...(r.body === undefined ? {} : { body: r.body })
            })
          const where = `${r.method} ${r.path} host=${hostName} type=${r.contentType} -> ${answer.status} ${answer.text.slice(0, 200)}`
          expect(KNOWN_STATUSES.has(answer.status), where).toBe(true)
          expect(isEnvelope(answer.body), where).toBe(true)
          expect(String(answer.headers["content-type"]), where).toContain("application/json")
          if (answer.body.success === false) expect(KNOWN_CODES.has(answer.body.error.code), where).toBe(true)
          if (!r.hostIndex.allowed) expect(answer.status, where).toBe(421)
          if (answer.status === 202 || (r.method !== "GET" && answer.status === 200)) {
            // Only a JSON request for an allowed host ever changes anything.
            expect(r.hostIndex.allowed, where).toBe(true)
            expect((r.contentType ?? "").split(";")[0]!.trim().toLowerCase(), where).toBe("application/json")
          }
          if (r.legit) expect(answer.status, where).toBe(202)
          if (answer.status === 202) accepted.add(answer.body.data.job_id)
        }),
        { numRuns: 400 }
      )
      expect((await send(gateway.url, { method: "GET", path: "/healthz", headers: { host } })).status).toBe(200)
      expect(accepted.size).toBeGreaterThan(0)
      for (const jobId of accepted) {
        const job = await send(gateway.url, { method: "GET", path: `/api/v1/ingestion/jobs/${jobId}`, headers: { host } })
        expect(`${jobId}: ${job.status}`).toBe(`${jobId}: 200`)
        expect(job.body.data.job_id).toBe(jobId)
      }
    })
  })
})

describe("liverc-ingest gateway connection cap", () => {
  let nats: NatsTestServer
  let db: TestDatabase
  let gateway: GatewayProcess
  const CAP = 16

  beforeAll(async () => {
    nats = await startNatsServer()
    db = await seededDatabase([])
    gateway = await startGateway({
      ...queueEnv(nats.url),
      DATABASE_URL: db.url,
      GATEWAY_MAX_CONNECTIONS: String(CAP),
      // Long enough that the test, not the server, ends the connections it holds.
      GATEWAY_HEADERS_TIMEOUT: "30s",
      // Short, so the connection startGateway's readiness probe left open is gone before the test.
      GATEWAY_KEEPALIVE_TIMEOUT: "100ms"
    })
    await sleep(1500)
  })
  afterAll(async () => {
    await gateway?.kill()
    db?.drop()
    await nats?.stop()
  })

  it("ends connections beyond GATEWAY_MAX_CONNECTIONS at once, and serves again when the holders leave", async () => {
    const host = `127.0.0.1:${gateway.port}`
    const holders = Array.from({ length: CAP }, () => holdSocket(gateway.port))
    const extra: Array<ReturnType<typeof holdSocket>> = []
    try {
      await Promise.all(holders.map((s) => s.connected))
      for (const s of holders) s.socket.write(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\n`)
      await sleep(300)
      expect(holders.filter((s) => s.closedAt() !== undefined)).toEqual([])

      for (let i = 0; i < 8; i++) extra.push(holdSocket(gateway.port))
      await Promise.all(extra.map((s) => s.connected))
      for (const s of extra) s.socket.write(`GET /healthz HTTP/1.1\r\nHost: ${host}\r\n\r\n`)
      const stillOpen = await waitForClose(extra, 2000)
      expect(stillOpen.length).toBe(0)
      expect(extra.filter((s) => s.received() !== "")).toEqual([])
      // The holders were not disturbed.
      expect(holders.filter((s) => s.closedAt() !== undefined)).toEqual([])
    } finally {
      for (const s of [...holders, ...extra]) s.socket.destroy()
    }
    const deadline = Date.now() + 5000
    let status = 0
    while (status !== 200 && Date.now() < deadline) {
      status = await send(gateway.url, { method: "GET", path: "/healthz", headers: { host } }).then((a) => a.status, () => 0)
      if (status !== 200) await sleep(100)
    }
    expect(status).toBe(200)
  })
})

describe("liverc-ingest gateway Host allowlist by configuration", () => {
  let nats: NatsTestServer
  let db: TestDatabase
  const gateways: Array<GatewayProcess> = []

  beforeAll(async () => {
    nats = await startNatsServer()
    db = await seededDatabase([])
  })
  afterAll(async () => {
    await Promise.all(gateways.map((g) => g.kill()))
    db?.drop()
    await nats?.stop()
  })

  const healthz = (gateway: GatewayProcess, hostHeader: string) =>
    send(gateway.url, { method: "GET", path: "/healthz", headers: { host: hostHeader } }).then((a) => a.status)

  it("on a wildcard bind address also takes the machine's name and its interface addresses (probes by pod IP)", async () => {
    const gateway = await startGateway({ ...queueEnv(nats.url), DATABASE_URL: db.url, GATEWAY_HOST: "0.0.0.0" })
    gateways.push(gateway)
    const addresses = Object.values(networkInterfaces()).flatMap((list) => list ?? []).map((a) => a.address)
    const external = addresses.filter((a) => a !== "127.0.0.1" && a !== "::1")
    for (const name of [hostname(), hostname().toUpperCase(), ...external.map((a) => a.includes(":") ? `[${a}]` : a)]) {
      expect(`${name}: ${await healthz(gateway, `${name}:${gateway.port}`)}`).toBe(`${name}: 200`)
    }
    expect(await healthz(gateway, `evil.example:${gateway.port}`)).toBe(421)
  })

  it("with GATEWAY_ALLOWED_HOSTS takes exactly the names listed", async () => {
    const gateway = await startGateway({
      ...queueEnv(nats.url),
      DATABASE_URL: db.url,
      GATEWAY_ALLOWED_HOSTS: "api.example.com, 127.0.0.1"
    })
    gateways.push(gateway)
    expect(await healthz(gateway, "api.example.com")).toBe(200)
    expect(await healthz(gateway, "API.Example.COM:443")).toBe(200)
    expect(await healthz(gateway, `localhost:${gateway.port}`)).toBe(421)
    expect(await healthz(gateway, "evil.example")).toBe(421)
  })

  it("with GATEWAY_ALLOWED_HOSTS=* takes any host", async () => {
    const gateway = await startGateway({ ...queueEnv(nats.url), DATABASE_URL: db.url, GATEWAY_ALLOWED_HOSTS: "*" })
    gateways.push(gateway)
    expect(await healthz(gateway, "anything.example:1234")).toBe(200)
    const track = await send(gateway.url, {
      method: "POST",
      path: `/api/v1/tracks/${STORED_TRACK}/events/sync`,
      headers: { host: "anything.example", "content-type": "application/json" }
    })
    expect(track.status).toBe(202)
  })
})
