import { OpenApi } from "effect/http-api"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { GatewayApi } from "../../src/http/GatewayApi.ts"
import { type GatewayProcess, startGateway } from "../support/GatewayProcess.ts"
import { type NatsTestServer, startNatsServer } from "../support/NatsTestServer.ts"
import { queueEnv } from "../support/QueueHarness.ts"
import type { TestDatabase } from "../support/TestDatabase.ts"
import { seededDatabase, send } from "./GatewayRig.ts"

/**
 * The API reference at /docs, from a gateway process: a small page that loads Scalar's script and
 * the OpenAPI document from the gateway, the script served once per browser (ETag, 304, immutable
 * under its versioned URL, gzip when the client takes it).
 */

const YEAR_IMMUTABLE = "public, max-age=31536000, immutable"

interface Fetched {
  readonly status: number
  readonly headers: Headers
  readonly bytes: Buffer
}

describe("liverc-ingest gateway /docs", () => {
  let nats: NatsTestServer
  let db: TestDatabase
  let gateway: GatewayProcess

  beforeAll(async () => {
    nats = await startNatsServer()
    db = await seededDatabase([])
    gateway = await startGateway({ ...queueEnv(nats.url), DATABASE_URL: db.url })
  })
  afterAll(async () => {
    await gateway?.kill()
    db?.drop()
    await nats?.stop()
  })

  /** fetch decodes a gzip body itself; content-length is what went over the wire. */
  const fetchBytes = async (path: string, headers: Record<string, string> = {}): Promise<Fetched> => {
    const response = await fetch(`${gateway.url}${path}`, { headers })
    return { status: response.status, headers: response.headers, bytes: Buffer.from(await response.arrayBuffer()) }
  }

  const docsPage = async () => {
    const page = await fetchBytes("/docs")
    const html = page.bytes.toString("utf8")
    const scriptSrc = /<script src="([^"]+)"><\/script>/.exec(html)?.[1]
    const documentUrl = /<script id="api-reference" data-url="([^"]+)"/.exec(html)?.[1]
    return { page, html, scriptSrc, documentUrl }
  }

  it("is a page under 20 KB that names the script and the OpenAPI document instead of inlining them", async () => {
    const { page, html, scriptSrc, documentUrl } = await docsPage()
    expect(page.status).toBe(200)
    expect(page.headers.get("content-type")).toContain("text/html")
    expect(page.bytes.length).toBeLessThan(20_000)
    expect(html).toContain("<title>liverc-ingest gateway</title>")
    expect(scriptSrc).toMatch(/^\/docs\/scalar\.js\?v=[A-Za-z0-9_-]+$/)
    expect(documentUrl).toBe("/docs/openapi.json")
    // No inline script: every <script> element is empty.
    expect([...html.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((match) => match[1])).toEqual(["", ""])
    // The page names a new script version whenever the gateway's changes.
    expect(page.headers.get("cache-control")).toBe("no-cache")
  })

  it("names an OpenAPI document that lists every route the API defines", async () => {
    const { documentUrl } = await docsPage()
    const answer = await fetchBytes(documentUrl ?? "/missing")
    expect(answer.status).toBe(200)
    const spec = JSON.parse(answer.bytes.toString("utf8"))
    const defined = Object.keys(OpenApi.fromApi(GatewayApi).paths).sort()
    expect(defined).toContain("/api/v1/admin/liverc/pause")
    expect(Object.keys(spec.paths).sort()).toEqual(defined)
  })

  it("allows scripts from the gateway only and requests to the gateway only (Content-Security-Policy)", async () => {
    const { page } = await docsPage()
    const policy = new Map(
      (page.headers.get("content-security-policy") ?? "").split(";").map((directive) => {
        const [name = "", ...values] = directive.trim().split(/\s+/)
        return [name, values.join(" ")] as const
      })
    )
    expect(policy.get("default-src")).toBe("'none'")
    expect(policy.get("script-src")).toBe("'self'")
    expect(policy.get("connect-src")).toBe("'self'")
    expect(policy.get("frame-ancestors")).toBe("'none'")
    expect(page.headers.get("x-content-type-options")).toBe("nosniff")
  })

  it("serves Scalar's script from the installed package, with an ETag and a year of immutable caching under the page's URL", async () => {
    const { scriptSrc } = await docsPage()
    const script = await fetchBytes(scriptSrc ?? "/missing", { "accept-encoding": "identity" })
    expect(script.status).toBe(200)
    expect(script.headers.get("content-type")).toContain("text/javascript")
    expect(script.headers.get("content-encoding")).toBeNull()
    expect(script.headers.get("cache-control")).toBe(YEAR_IMMUTABLE)
    expect(script.headers.get("etag")).toMatch(/^"[A-Za-z0-9_-]{16,}"$/)
    expect(script.headers.get("x-content-type-options")).toBe("nosniff")
    const text = script.bytes.toString("utf8")
    expect(text).toContain("@scalar/api-reference")
    expect(text).toContain("createApiReference")
    // Devtools would ask for a source map on jsDelivr's path, which the gateway does not serve.
    expect(text).not.toContain("sourceMappingURL=/sm/")
  })

  it("answers a conditional GET with the current ETag 304 and no body, and a stale one 200", async () => {
    const { scriptSrc } = await docsPage()
    const path = scriptSrc ?? "/missing"
    const first = await fetchBytes(path, { "accept-encoding": "identity" })
    const etag = first.headers.get("etag") ?? "missing"

    const again = await send(gateway.url, { method: "GET", path, headers: { "if-none-match": etag } })
    expect(again.status).toBe(304)
    expect(again.text).toBe("")
    expect(again.headers["etag"]).toBe(etag)
    expect(again.headers["cache-control"]).toBe(YEAR_IMMUTABLE)

    // If-None-Match compares weakly and takes a list.
    const weak = await send(gateway.url, { method: "GET", path, headers: { "if-none-match": `"other", W/${etag}` } })
    expect(weak.status).toBe(304)

    const stale = await fetchBytes(path, { "accept-encoding": "identity", "if-none-match": "\"an-older-version\"" })
    expect(stale.status).toBe(200)
    expect(stale.bytes.equals(first.bytes)).toBe(true)
  })

  it("sends the script gzipped to a client that takes gzip, under its own ETag, with Vary: Accept-Encoding", async () => {
    const { scriptSrc } = await docsPage()
    const path = scriptSrc ?? "/missing"
    const plain = await fetchBytes(path, { "accept-encoding": "identity" })
    const zipped = await fetchBytes(path, { "accept-encoding": "gzip" })
    expect(zipped.status).toBe(200)
    expect(zipped.headers.get("content-encoding")).toBe("gzip")
    expect(zipped.headers.get("vary")?.toLowerCase()).toContain("accept-encoding")
    expect(Number(zipped.headers.get("content-length"))).toBeLessThan(plain.bytes.length / 2)
    expect(zipped.bytes.equals(plain.bytes)).toBe(true)
    const zippedTag = zipped.headers.get("etag") ?? "missing"
    expect(zippedTag).not.toBe(plain.headers.get("etag"))

    const again = await send(gateway.url, { method: "GET", path, headers: { "accept-encoding": "gzip", "if-none-match": zippedTag } })
    expect(again.status).toBe(304)
    // gzip refused with q=0 gets the plain script.
    const refused = await fetchBytes(path, { "accept-encoding": "gzip;q=0, *;q=0.5" })
    expect(refused.headers.get("content-encoding")).toBeNull()
  })

  it("asks a browser to revalidate the script under any URL but the versioned one the page names", async () => {
    for (const path of ["/docs/scalar.js", "/docs/scalar.js?v=an-older-version"]) {
      const script = await fetchBytes(path, { "accept-encoding": "identity" })
      expect(script.status).toBe(200)
      expect(script.headers.get("cache-control")).toBe("no-cache")
      expect(script.headers.get("etag")).toMatch(/^"[A-Za-z0-9_-]{16,}"$/)
    }
  })

  it("answers the page and the script only for a Host it answers for, like every route", async () => {
    for (const path of ["/docs", "/docs/scalar.js"]) {
      const answer = await send(gateway.url, { method: "GET", path, headers: { host: "evil.example" } })
      expect(answer.status).toBe(421)
      expect(answer.body).toMatchObject({ success: false, error: { code: "MISDIRECTED_REQUEST" } })
    }
  })
})
