import type { IncomingMessage, ServerResponse } from "node:http"
import type { MutationRequest } from "./Mutations.ts"
import type { SimConfig } from "./SimConfig.ts"
import type { SimStatsSnapshot } from "./SimStats.ts"

/**
 * The control endpoints under `/__sim/` (never counted, limited or faulted):
 *   GET  /__sim/stats          what the simulator saw (see SimStats)
 *   POST /__sim/stats/reset    start counting afresh
 *   GET  /__sim/config         current knobs
 *   POST /__sim/config         patch knobs (JSON, any subset; see SimConfig)
 *   POST /__sim/mutate         change a page: {kind, id | track [, date | month]}
 *   GET  /__sim/health         {ok: true}
 * Bad input answers 400 with `{error: {tag, message}}`.
 */

export interface MutationResult {
  readonly kind: string
  readonly key: string
  readonly revision: number
  /** HTTP date. */
  readonly lastModified: string
  /** The new ETag of the page as served under `track` (default `sim`; a page names its track). */
  readonly etag: string
}

/** Stats plus the state of the rendered-page cache. */
export type SimulatorStats = SimStatsSnapshot & { readonly cache: { readonly entries: number; readonly bytes: number } }

export interface ControlApi {
  readonly config: () => SimConfig
  /** Throws InvalidSimConfig. */
  readonly configure: (patch: unknown) => SimConfig
  readonly stats: () => SimulatorStats
  readonly resetStats: () => void
  /** Throws InvalidMutation. */
  readonly mutate: (request: MutationRequest | unknown) => MutationResult
}

const maxBodyBytes = 1024 * 1024

const sendJson = (res: ServerResponse, status: number, value: unknown) => {
  const body = Buffer.from(JSON.stringify(value))
  res.writeHead(status, { "content-type": "application/json", "content-length": body.byteLength })
  res.end(body)
}

const readJson = (req: IncomingMessage): Promise<unknown> =>
  new Promise((resolve, reject) => {
    const chunks: Array<Buffer> = []
    let size = 0
    req.on("data", (chunk: Buffer) => {
      size += chunk.byteLength
      if (size > maxBodyBytes) {
        reject(new Error("body larger than 1 MiB"))
        req.destroy()
        return
      }
      chunks.push(chunk)
    })
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString("utf8").trim()
      try {
        resolve(text === "" ? {} : JSON.parse(text))
      } catch {
        reject(new Error("body is not JSON"))
      }
    })
    req.on("error", reject)
  })

const errorBody = (error: unknown) => ({
  error: {
    tag: typeof error === "object" && error !== null && "_tag" in error ? String(error._tag) : "BadRequest",
    message: error instanceof Error ? error.message : String(error)
  }
})

export const handleControl = async (api: ControlApi, req: IncomingMessage, res: ServerResponse): Promise<void> => {
  const path = (req.url ?? "").split("?")[0]
  const method = req.method ?? "GET"
  try {
    if (path === "/__sim/health" && method === "GET") return sendJson(res, 200, { ok: true })
    if (path === "/__sim/stats" && method === "GET") return sendJson(res, 200, api.stats())
    if (path === "/__sim/stats/reset" && method === "POST") {
      api.resetStats()
      return sendJson(res, 200, { ok: true })
    }
    if (path === "/__sim/config" && method === "GET") return sendJson(res, 200, api.config())
    if (path === "/__sim/config" && (method === "POST" || method === "PATCH")) {
      return sendJson(res, 200, api.configure(await readJson(req)))
    }
    if (path === "/__sim/mutate" && method === "POST") return sendJson(res, 200, api.mutate(await readJson(req)))
    return sendJson(res, 404, { error: { tag: "NotFound", message: `no control endpoint ${method} ${path}` } })
  } catch (error) {
    return sendJson(res, 400, errorBody(error))
  }
}
