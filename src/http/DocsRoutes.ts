import { createHash } from "node:crypto"
import { promisify } from "node:util"
import { gzip } from "node:zlib"
import { Effect } from "effect"
import { HttpRouter, HttpServerRequest, HttpServerResponse } from "effect/http"
import { OpenApi } from "effect/http-api"
import { DOCS_PATH, GatewayApi, OPENAPI_PATH } from "./GatewayApi.ts"

/**
 * The API reference at /docs. HttpApiScalar.layer inlines Scalar's 3.2 MB script and the OpenAPI
 * document into the page, so every visit downloads it all again. Here the page is a few hundred
 * bytes naming /docs/openapi.json and /docs/scalar.js?v=<version>; the script is the copy bundled
 * in the installed effect package (no CDN: the gateway may have no internet, and nothing leaves
 * the machine), read once and gzipped once on first use, and served with an ETag, 304 on a
 * conditional GET, and a year of immutable caching under its versioned URL. The page runs no inline
 * script, so its Content-Security-Policy allows scripts from the gateway only, and requests to it
 * only: the bearer token typed into the UI's client cannot be sent anywhere else.
 */

const DOCS_SCRIPT_PATH = "/docs/scalar.js"

const DOCS_CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  // Scalar's components set their styles at run time.
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'"
].join("; ")

interface ScriptAsset {
  readonly identity: Uint8Array
  readonly gzipped: Uint8Array
  /** A digest of the script, named in the page's URL for it and in its ETags. */
  readonly version: string
}

/** The module HttpApiScalar.layer itself loads; effect's exports map hides it, so it is found beside that file. */
const scalarModuleUrl = () => new URL("./internal/httpApiScalar.js", import.meta.resolve("effect/http-api/HttpApiScalar")).href

const loadScript = Effect.promise(async (): Promise<ScriptAsset> => {
  const { javascript } = await import(scalarModuleUrl()) as { readonly javascript?: unknown }
  if (typeof javascript !== "string") throw new Error(`${scalarModuleUrl()} no longer exports Scalar's script`)
  // Its last line points browser devtools at a source map on jsDelivr's path, which is not ours.
  const mapComment = javascript.lastIndexOf("\n//# sourceMappingURL=")
  const identity = Buffer.from(mapComment === -1 ? javascript : javascript.slice(0, mapComment), "utf8")
  const gzipped = await promisify(gzip)(identity, { level: 9 })
  const version = createHash("sha256").update(identity).digest("base64url").slice(0, 22)
  return { identity, gzipped, version }
})

const escapeHtml = (text: string) =>
  text.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`)

/** Scalar mounts itself on `#api-reference` and fetches `data-url` (its HTML API). */
const page = (title: string, version: string) =>
  `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <title>${escapeHtml(title)}</title>
  </head>
  <body>
    <script id="api-reference" data-url="${OPENAPI_PATH}" data-configuration="${
    escapeHtml(JSON.stringify({ withDefaultFonts: false }))
  }"></script>
    <script src="${DOCS_SCRIPT_PATH}?v=${version}"></script>
  </body>
</html>
`

/** Whether Accept-Encoding lets the answer be gzip: gzip named with a non-zero weight, or else `*`. */
export const acceptsGzip = (header: string | undefined): boolean => {
  if (header === undefined) return false
  let any = false
  for (const entry of header.split(",")) {
    const [coding = "", ...params] = entry.split(";").map((part) => part.trim().toLowerCase())
    const refused = params.some((param) => /^q=0(\.0{0,3})?$/.test(param))
    if (coding === "gzip" || coding === "x-gzip") return !refused
    if (coding === "*") any = !refused
  }
  return any
}

/** If-None-Match compares weakly (RFC 9110 13.1.2): `W/"x"` matches `"x"`. */
export const noneMatchHits = (header: string | undefined, etag: string): boolean =>
  header !== undefined && header.split(",").some((tag) => {
    const trimmed = tag.trim()
    return trimmed === "*" || (trimmed.startsWith("W/") ? trimmed.slice(2) : trimmed) === etag
  })

const versionAsked = (url: string) => {
  const query = url.indexOf("?")
  return query === -1 ? null : new URLSearchParams(url.slice(query + 1)).get("v")
}

const serveScript = (script: ScriptAsset, request: HttpServerRequest.HttpServerRequest) => {
  const gzipped = acceptsGzip(request.headers["accept-encoding"])
  // The two encodings are two representations: each has its own strong ETag.
  const etag = gzipped ? `"${script.version}-gzip"` : `"${script.version}"`
  const headers: Record<string, string> = {
    etag,
    // Under the URL the page names, the bytes never change; under any other, check each time.
    "cache-control": versionAsked(request.url) === script.version ? "public, max-age=31536000, immutable" : "no-cache",
    vary: "Accept-Encoding",
    "x-content-type-options": "nosniff"
  }
  if (noneMatchHits(request.headers["if-none-match"], etag)) return HttpServerResponse.empty({ status: 304, headers })
  if (gzipped) headers["content-encoding"] = "gzip"
  return HttpServerResponse.uint8Array(gzipped ? script.gzipped : script.identity, {
    contentType: "text/javascript; charset=utf-8",
    headers
  })
}

export const DocsRoutes = HttpRouter.use(Effect.fnUntraced(function*(router) {
  const script = yield* Effect.cached(loadScript)
  const title = OpenApi.fromApi(GatewayApi).info.title
  yield* router.add("GET", DOCS_PATH, () =>
    Effect.map(script, ({ version }) =>
      HttpServerResponse.text(page(title, version), {
        contentType: "text/html; charset=utf-8",
        headers: {
          // The page names the script's current version: a cached copy is checked first.
          "cache-control": "no-cache",
          "content-security-policy": DOCS_CONTENT_SECURITY_POLICY,
          "x-content-type-options": "nosniff"
        }
      })))
  yield* router.add("GET", DOCS_SCRIPT_PATH, (request) => Effect.map(script, (asset) => serveScript(asset, request)))
}))
