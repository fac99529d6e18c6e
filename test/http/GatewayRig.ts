import { request as httpRequest } from "node:http"
import { connect as tcpConnect, type Socket } from "node:net"
import { PgClient } from "@effect/sql-pg"
import { Effect, Redacted } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import { runMigrations } from "../../src/db/Migrations.ts"
import { createTestDatabase, type TestDatabase } from "../support/TestDatabase.ts"

/** The database gateway tests run against: migrated, with one track and the events stored under it. */

export const STORED_TRACK = "canberraoffroad"

export const seededDatabase = async (storedEventIds: ReadonlyArray<string>): Promise<TestDatabase> => {
  const db = await createTestDatabase("lri_gw")
  await Effect.runPromise(
    Effect.gen(function*() {
      yield* runMigrations
      const sql = yield* SqlClient
      yield* sql`INSERT INTO tracks (slug, name) VALUES (${STORED_TRACK}, 'Canberra Off Road')`
      for (const id of storedEventIds) {
        yield* sql`
          INSERT INTO events (source_event_id, track_id, name)
          SELECT ${id}, id, ${`Stored event ${id}`} FROM tracks WHERE slug = ${STORED_TRACK}
        `
      }
    }).pipe(
      Effect.provide(PgClient.layer({ url: Redacted.make(db.url), maxConnections: 2, applicationName: "liverc-ingest-test" }))
    )
  )
  return db
}

/** The value of one sample in a Prometheus exposition, undefined when absent. */
export const sample = (exposition: string, name: string, labels: Record<string, string> = {}): number | undefined => {
  const wanted = Object.entries(labels).map(([k, v]) => `${k}="${v}"`)
  for (const line of exposition.split("\n")) {
    if (!line.startsWith(name)) continue
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([^}]*)\})? (\S+)$/.exec(line)
    if (match === null || match[1] !== name) continue
    const present = (match[3] ?? "").split(",").filter((l) => l.length > 0)
    if (wanted.every((label) => present.includes(label))) return Number(match[4])
  }
  return undefined
}

/** Every value the label `label` takes in the samples of `name`. */
export const labelValues = (exposition: string, name: string, label: string): Set<string> => {
  const values = new Set<string>()
  const pattern = new RegExp(`${label}="([^"]*)"`)
  for (const line of exposition.split("\n")) {
    if (!line.startsWith(`${name}{`)) continue
    const match = pattern.exec(line)
    if (match?.[1] !== undefined) values.add(match[1])
  }
  return values
}

export interface RawAnswer {
  readonly status: number
  readonly headers: Record<string, string | Array<string> | undefined>
  /** Parsed when the answer says it is JSON, else the text. */
  readonly body: any
  readonly text: string
}

const parseBody = (contentType: string | undefined, text: string) => {
  if (!(contentType ?? "").includes("json") || text === "") return text
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}

/**
 * One request with node:http, which sends exactly the headers given (no content type of its own;
 * a `host` header replaces the one it would derive from the URL), on a fresh connection.
 */
export const send = (
  baseUrl: string,
  init: {
    readonly method: string
    readonly path: string
    readonly headers?: Record<string, string>
    readonly body?: string | Buffer
    readonly timeoutMillis?: number
  }
): Promise<RawAnswer> =>
  new Promise((resolve, reject) => {
    const url = new URL(baseUrl)
    const headers: Record<string, string> = { ...init.headers }
    // Without it node:http sends a GET's body unframed, and the server reads it as a next request.
    if (init.body !== undefined && !Object.keys(headers).some((name) => name.toLowerCase() === "content-length")) {
      headers["content-length"] = String(Buffer.byteLength(init.body))
    }
    const req = httpRequest({
      host: url.hostname,
      port: url.port,
      method: init.method,
      path: init.path,
      headers,
      agent: false
    }, (res) => {
      const chunks: Array<Buffer> = []
      res.on("data", (chunk: Buffer) => chunks.push(chunk))
      res.on("error", reject)
      res.on("end", () => {
        const text = Buffer.concat(chunks).toString("utf8")
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: parseBody(res.headers["content-type"], text), text })
      })
    })
    req.setTimeout(init.timeoutMillis ?? 10_000, () => req.destroy(new Error(`no answer to ${init.method} ${init.path}`)))
    req.on("error", reject)
    req.end(init.body)
  })

/**
 * Writes `head` (request line and headers, CRLF separated, without the blank line that ends them)
 * and `body` as they are on a fresh TCP connection, and reads the answer until the server closes
 * it: for requests node:http cannot make (no Host header, HTTP/1.0).
 */
export const rawExchange = (port: number, head: ReadonlyArray<string>, body = ""): Promise<RawAnswer> =>
  new Promise((resolve, reject) => {
    const socket = tcpConnect(port, "127.0.0.1")
    const chunks: Array<Buffer> = []
    const timer = setTimeout(() => socket.destroy(new Error("no answer within 10 s")), 10_000)
    socket.on("data", (chunk: Buffer) => chunks.push(chunk))
    socket.on("error", (error) => {
      clearTimeout(timer)
      reject(error)
    })
    socket.on("close", () => {
      clearTimeout(timer)
      const raw = Buffer.concat(chunks).toString("utf8")
      const split = raw.indexOf("\r\n\r\n")
      const headLines = (split === -1 ? raw : raw.slice(0, split)).split("\r\n")
      const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(headLines[0] ?? "")?.[1] ?? 0)
      const headers: Record<string, string> = {}
      for (const line of headLines.slice(1)) {
        const colon = line.indexOf(":")
        if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim()
      }
      let text = split === -1 ? "" : raw.slice(split + 4)
      if ((headers["transfer-encoding"] ?? "").includes("chunked")) text = dechunk(text)
      resolve({ status, headers, body: parseBody(headers["content-type"], text), text })
    })
    socket.on("connect", () => socket.write(`${[...head, "Connection: close"].join("\r\n")}\r\n\r\n${body}`))
  })

const dechunk = (text: string): string => {
  let out = ""
  let rest = text
  for (;;) {
    const lineEnd = rest.indexOf("\r\n")
    if (lineEnd === -1) return out
    const size = Number.parseInt(rest.slice(0, lineEnd), 16)
    if (!(size > 0)) return out
    out += rest.slice(lineEnd + 2, lineEnd + 2 + size)
    rest = rest.slice(lineEnd + 2 + size + 2)
  }
}

/** A client connection the test holds open, with the time the server closed it (if it did). */
export interface HeldSocket {
  readonly socket: Socket
  readonly openedAt: number
  /** When the connection closed, undefined while open. */
  readonly closedAt: () => number | undefined
  /** Every byte the server sent. */
  readonly received: () => string
  readonly connected: Promise<void>
}

export const holdSocket = (port: number): HeldSocket => {
  const socket = tcpConnect(port, "127.0.0.1")
  const openedAt = Date.now()
  let closedAt: number | undefined
  let received = ""
  socket.on("data", (chunk: Buffer) => (received += chunk.toString("utf8")))
  socket.on("error", () => {})
  socket.on("close", () => (closedAt = Date.now()))
  const connected = new Promise<void>((resolve) => {
    socket.once("connect", () => resolve())
    socket.once("close", () => resolve())
  })
  return { socket, openedAt, closedAt: () => closedAt, received: () => received, connected }
}

/** Resolves once every socket is closed, or at the deadline; the sockets still open. */
export const waitForClose = async (sockets: ReadonlyArray<HeldSocket>, timeoutMillis: number): Promise<Array<HeldSocket>> => {
  const deadline = Date.now() + timeoutMillis
  for (;;) {
    const open = sockets.filter((s) => s.closedAt() === undefined)
    if (open.length === 0 || Date.now() > deadline) return open
    await new Promise((r) => setTimeout(r, 50))
  }
}
