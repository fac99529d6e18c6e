import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http"
import type { AddressInfo } from "node:net"
import { Effect, Schema } from "effect"
import { capturedPages } from "./CapturedPages.ts"
import { type Fault, faultPlan, type FaultPlan, malform, pickFault, truncate } from "./Faults.ts"
import { hostilePlan, type HostilePlan } from "./HostilePages.ts"
import { latencyPlan, type LatencyPlan } from "./Latency.ts"
import { httpDate } from "./LiveRcFormat.ts"
import { InvalidMutation, mutationRoute, pageKey, RevisionRegistry } from "./Mutations.ts"
import { Prng, seedOf } from "./Prng.ts"
import { SlidingWindowLimiter } from "./RateLimiter.ts"
import { applyPatch, defaultSimConfig, InvalidSimConfig, type SimConfig, type SimConfigPatch } from "./SimConfig.ts"
import { type ControlApi, handleControl, type MutationResult, type SimulatorStats } from "./SimControl.ts"
import { type Page, SimPages } from "./SimPages.ts"
import { parseRoute, type Route } from "./SimRoutes.ts"
import { SimStats } from "./SimStats.ts"
import type { SyntheticData } from "./SyntheticData.ts"

/**
 * The LiveRC simulator: one node:http server answering LiveRC's URL layout on loopback (`/` the
 * catalogue, `/t/{track}/...` a track's site) with real and synthetic pages, behind the knobs of
 * SimConfig: rate limit and capacity (429 + Retry-After), latency, injected faults, conditional
 * requests (ETag / Last-Modified -> 304) and page mutations. Works in-process and as a process.
 *
 * Order per request: count arrival -> capacity -> rate limit -> fault draw -> latency -> answer
 * (a hostile page when a `hostileRules` entry matches, else the page).
 */

export interface SimulatorOptions {
  /** 0 (default) picks a free port. */
  readonly port?: number
  readonly host?: string
  readonly config?: SimConfigPatch
}

export interface RunningSimulator {
  readonly port: number
  /** Catalogue root, for LIVERC_ROOT_URL. */
  readonly url: string
  /** For LIVERC_TRACK_URL: `http://127.0.0.1:P/t/{track}`. */
  readonly trackUrlTemplate: string
  readonly trackUrl: (slug: string) => string
  readonly config: () => SimConfig
  /** Patches knobs while running; throws InvalidSimConfig. */
  readonly configure: (patch: SimConfigPatch) => SimConfig
  readonly stats: () => SimulatorStats
  readonly resetStats: () => void
  /** Changes a page (new ETag and Last-Modified); throws InvalidMutation. */
  readonly mutate: (request: Parameters<ControlApi["mutate"]>[0]) => MutationResult
  /** The synthetic world behind the current knobs: the models the pages are rendered from. */
  readonly data: () => SyntheticData
  readonly close: () => Promise<void>
}

export class SimulatorStartError extends Schema.TaggedError<SimulatorStartError>()("SimulatorStartError", {
  reason: Schema.String
}) {
  override get message() {
    return `simulator did not start: ${this.reason}`
  }
}

const text = (status: number, message: string) => ({
  status,
  body: Buffer.from(`<!DOCTYPE html>\n<html><head><title>${status}</title></head><body><h1>${message}</h1></body></html>\n`)
})

const notFound = text(404, "Not Found")
const tooMany = text(429, "Too Many Requests")
const unavailable = text(503, "Service Unavailable")
const serverError = text(500, "Internal Server Error")

/** `If-None-Match` wins over `If-Modified-Since`, as RFC 9110 says. */
const notModified = (req: IncomingMessage, page: Page): boolean => {
  const inm = req.headers["if-none-match"]
  if (inm !== undefined) {
    return inm.split(",").some((tag) => {
      const trimmed = tag.trim()
      return trimmed === "*" || trimmed.replace(/^W\//, "") === page.etag
    })
  }
  const ims = req.headers["if-modified-since"]
  if (ims === undefined) return false
  const since = Date.parse(ims)
  return !Number.isNaN(since) && page.lastModified <= since
}

class Simulator {
  private settings: SimConfig
  private readonly pages: SimPages
  private readonly registry = new RevisionRegistry()
  private readonly statistics = new SimStats()
  private readonly limiter = new SlidingWindowLimiter()
  private readonly hung = new Set<ServerResponse>()
  private latency: LatencyPlan
  private faultRules: FaultPlan
  private hostile: HostilePlan
  private faultRng: Prng
  private latencyRng: Prng

  constructor(config: SimConfig) {
    this.settings = config
    this.pages = new SimPages(config, capturedPages(), this.registry)
    this.latency = latencyPlan(config.latency, config.latencyRules)
    this.faultRules = faultPlan(config.faultRules)
    this.hostile = hostilePlan(config.hostileRules)
    this.faultRng = new Prng(seedOf("faults", config.faultSeed))
    this.latencyRng = new Prng(seedOf("latency", config.faultSeed))
  }

  readonly api: ControlApi & { readonly data: () => SyntheticData } = {
    config: () => this.settings,
    configure: (patch) => {
      const next = applyPatch(this.settings, patch)
      if (next instanceof InvalidSimConfig) throw next
      if (next.faultSeed !== this.settings.faultSeed) {
        this.faultRng = new Prng(seedOf("faults", next.faultSeed))
        this.latencyRng = new Prng(seedOf("latency", next.faultSeed))
      }
      this.latency = latencyPlan(next.latency, next.latencyRules)
      this.faultRules = faultPlan(next.faultRules)
      if (JSON.stringify(next.hostileRules) !== JSON.stringify(this.settings.hostileRules)) {
        this.hostile = hostilePlan(next.hostileRules)
      }
      this.pages.configure(next)
      this.settings = next
      return next
    },
    stats: () => ({ ...this.statistics.snapshot(), cache: this.pages.cacheStats() }),
    resetStats: () => this.statistics.reset(),
    mutate: (request) => {
      const route = mutationRoute(request)
      if (route instanceof InvalidMutation) throw route
      const key = pageKey(route)
      const revision = this.registry.bump(key, Date.now(), this.pages.lastModifiedOf(route))
      const page = this.pages.page(route)
      return { kind: route.kind, key, revision: revision.revision, lastModified: httpDate(revision.modifiedAt), etag: page.etag }
    },
    data: () => this.pages.data
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const target = req.url ?? "/"
    if (target.startsWith("/__sim/")) {
      void handleControl(this.api, req, res)
      return
    }
    const stats = this.statistics
    const config = this.settings
    stats.arrive()
    const route = req.method === "GET" || req.method === "HEAD" ? parseRoute(target) : null
    const kind = route?.kind ?? "not-found"

    if (config.capacity !== null && stats.concurrency >= config.capacity) {
      stats.refused("capacity")
      this.send(req, res, kind, tooMany, { "retry-after": String(config.retryAfterSeconds) })
      return
    }
    const admission = this.limiter.admit(performance.now(), config.rateLimit)
    if (!admission.admitted) {
      stats.refused("rate")
      this.send(req, res, kind, tooMany, { "retry-after": String(Math.ceil(admission.waitMs / 1000)) })
      return
    }

    stats.begin()
    let answered = false
    let timer: ReturnType<typeof setTimeout> | undefined
    res.once("close", () => {
      stats.end()
      if (timer !== undefined) clearTimeout(timer)
      this.hung.delete(res)
      if (!answered) stats.record(kind, "aborted", 0)
    })

    const fault = this.faultRules.faultFor(target) ?? pickFault(config.faults, this.faultRng)
    if (fault !== "none") stats.fault(fault)
    if (fault === "hang") {
      answered = true
      stats.record(kind, "hang", 0)
      this.hung.add(res)
      return
    }
    const run = () => {
      timer = undefined
      if (res.destroyed) return
      answered = true
      this.answer(req, res, route, kind, fault)
    }
    const delay = this.latency.latencyFor(target, this.latencyRng)
    if (delay > 0) timer = setTimeout(run, delay)
    else run()
  }

  private answer(req: IncomingMessage, res: ServerResponse, route: Route | null, kind: string, fault: Fault): void {
    const retryAfter = { "retry-after": String(this.settings.retryAfterSeconds) }
    switch (fault) {
      case "reset":
        this.statistics.record(kind, "reset", 0)
        req.socket.resetAndDestroy()
        return
      case "status429":
        return this.send(req, res, kind, tooMany, retryAfter)
      case "status503":
        return this.send(req, res, kind, unavailable, retryAfter)
      case "status404":
        return this.send(req, res, kind, notFound, {})
    }
    const hostile = fault === "none" ? this.hostile.bodyFor(req.url ?? "/") : undefined
    if (hostile !== undefined) {
      const contentType = route?.kind === "robots" ? "text/plain; charset=UTF-8" : "text/html; charset=UTF-8"
      return this.send(req, res, kind, { status: 200, body: hostile }, { "content-type": contentType })
    }
    if (route === null || this.unknownTrack(route)) return this.send(req, res, kind, notFound, {})
    let page: Page
    try {
      page = this.pages.page(route)
    } catch (error) {
      console.error("simulator could not render", req.url, error)
      return this.send(req, res, kind, serverError, {})
    }
    if (fault === "truncate" || fault === "malform") {
      const broken = fault === "truncate" ? truncate(page.body, this.faultRng) : malform(page.body, this.faultRng)
      return this.send(req, res, kind, { status: 200, body: broken }, { "content-type": page.contentType })
    }
    const validators = { etag: page.etag, "last-modified": httpDate(page.lastModified) }
    if (notModified(req, page)) return this.send(req, res, kind, { status: 304, body: Buffer.alloc(0) }, validators)
    this.send(req, res, kind, { status: 200, body: page.body }, { "content-type": page.contentType, ...validators })
  }

  private unknownTrack(route: Route): boolean {
    return "slug" in route && route.slug !== null && this.settings.unknownTracks.includes(route.slug)
  }

  private send(
    req: IncomingMessage,
    res: ServerResponse,
    kind: string,
    answer: { readonly status: number; readonly body: Buffer },
    headers: Record<string, string>
  ): void {
    const body = req.method === "HEAD" || answer.status === 304 ? Buffer.alloc(0) : answer.body
    const length = answer.status === 304 ? {} : { "content-length": String(answer.body.byteLength) }
    res.writeHead(answer.status, { "content-type": "text/html; charset=UTF-8", ...length, ...headers })
    res.end(body)
    this.statistics.record(kind, String(answer.status), body.byteLength)
  }

  /** Hung requests are ended by closing their sockets, so `close()` never waits on them. */
  dropHung(): void {
    for (const res of this.hung) res.socket?.destroy()
    this.hung.clear()
  }
}

const listen = (server: Server, port: number, host: string): Promise<AddressInfo> =>
  new Promise((resolve, reject) => {
    server.once("error", reject)
    server.listen(port, host, () => {
      server.off("error", reject)
      resolve(server.address() as AddressInfo)
    })
  })

/** Starts a simulator; rejects with InvalidSimConfig on bad knobs, SimulatorStartError if it cannot listen. */
export const startSimulator = async (options: SimulatorOptions = {}): Promise<RunningSimulator> => {
  const config = applyPatch(defaultSimConfig, options.config ?? {})
  if (config instanceof InvalidSimConfig) throw config
  const simulator = new Simulator(config)
  // requestTimeout 0: a hung request stays hung until the client gives up, as the fault promises.
  const server = createServer({ requestTimeout: 0, keepAliveTimeout: 30_000 }, simulator.handle)
  const host = options.host ?? "127.0.0.1"
  let address: AddressInfo
  try {
    address = await listen(server, options.port ?? 0, host)
  } catch (error) {
    throw new SimulatorStartError({ reason: error instanceof Error ? error.message : String(error) })
  }
  const url = `http://${host}:${address.port}`
  let closing: Promise<void> | undefined
  return {
    port: address.port,
    url,
    trackUrlTemplate: `${url}/t/{track}`,
    trackUrl: (slug) => `${url}/t/${slug}`,
    config: simulator.api.config,
    configure: (patch) => simulator.api.configure(patch),
    stats: simulator.api.stats,
    resetStats: simulator.api.resetStats,
    mutate: simulator.api.mutate,
    data: simulator.api.data,
    close: () =>
      (closing ??= new Promise<void>((resolve) => {
        simulator.dropHung()
        server.close(() => resolve())
        server.closeAllConnections()
      }))
  }
}

/** The simulator as a scoped resource: started on acquire, closed when the scope closes. */
export const simulatorScoped = (options: SimulatorOptions = {}) =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: () => startSimulator(options),
      catch: (error) =>
        error instanceof InvalidSimConfig || error instanceof SimulatorStartError
          ? error
          : new SimulatorStartError({ reason: String(error) })
    }),
    (simulator) => Effect.promise(() => simulator.close())
  )
