import { Cache, Config, Context, Duration, Effect, Exit, Layer } from "effect"
import { HostThrottle } from "../throttle/HostThrottle.ts"

import { LiveRcClient, LiveRcClientConfig } from "./LiveRcClient.ts"
import type { TrackSlug } from "./LiveRcIds.ts"
import { LiveRcSite } from "./LiveRcSite.ts"
import type { PageRequest } from "./LiveRcUrls.ts"
import { millisConfig } from "../config/DurationConfig.ts"

/**
 * LiveRC's robots.txt `Crawl-delay`, honoured: a delay of d seconds on any host of a throttle
 * group lowers that group's rate to min(LIVERC_RATE_PER_SEC, 1/d) for every process (the lowest
 * rate in the shared bucket wins, see TokenBucket). robots.txt is fetched through LiveRcClient,
 * so it takes a throttle token like every other LiveRC request, from URLs of LiveRcUrls only, and
 * is cached for LIVERC_ROBOTS_TTL. A failed fetch keeps the delay already in force and is tried
 * again after RETRY_AFTER_FAILURE; a missing robots.txt (404) means no delay.
 */

const RETRY_AFTER_FAILURE = Duration.minutes(5)
/** The catalogue's robots.txt is re-checked this often; the cache decides whether it is fetched. */
const ROOT_CHECK_INTERVAL = Duration.minutes(1)

/** The product token robots.txt groups are matched against: `liverc-ingest` of `liverc-ingest/0.1 (...)`. */
export const productToken = (userAgent: string): string => userAgent.trim().split(/[/\s]/)[0]?.toLowerCase() ?? ""

/**
 * The Crawl-delay (seconds) that applies to `token`: from the groups naming it, else from the `*`
 * groups (RFC 9309 group matching, case-insensitive; several matching groups are combined and the
 * longest delay wins). A delay written before any User-agent line is taken as `*`. Null: none.
 */
export const parseCrawlDelay = (robotsTxt: string, token: string): number | null => {
  const delays = new Map<string, Array<number>>()
  let agents: Array<string> = ["*"]
  let inAgentLines = false
  for (const raw of robotsTxt.split(/\r\n|\r|\n/)) {
    const line = raw.replace(/#.*$/, "").trim()
    const colon = line.indexOf(":")
    if (colon < 0) continue
    const field = line.slice(0, colon).trim().toLowerCase()
    const value = line.slice(colon + 1).trim()
    if (field === "user-agent") {
      agents = inAgentLines ? [...agents, value.toLowerCase()] : [value.toLowerCase()]
      inAgentLines = true
      continue
    }
    inAgentLines = false
    if (field !== "crawl-delay" || !/^\d+(\.\d+)?$/.test(value)) continue
    for (const agent of agents) delays.set(agent, [...(delays.get(agent) ?? []), Number(value)])
  }
  const applicable = delays.get(token.toLowerCase()) ?? delays.get("*")
  if (applicable === undefined) return null
  const longest = Math.max(...applicable)
  return longest > 0 ? longest : null
}

export const RobotsConfig = Config.all({
  ttlMillis: millisConfig("LIVERC_ROBOTS_TTL", 60_000, 7 * 86_400_000, 3_600_000)
})

/** Which robots.txt: the catalogue site's (ROOT, never a valid slug), or a track site's. */
const ROOT = "/"
type RobotsKey = typeof ROOT | TrackSlug

export class RobotsPolicy extends Context.Service<RobotsPolicy, {
  /** The catalogue site's robots.txt: fetched unless cached, and applied to the throttle. */
  readonly refreshRoot: Effect.Effect<void>
  /** A track site's robots.txt, the same way; call before crawling a track. */
  readonly refreshTrack: (track: TrackSlug) => Effect.Effect<void>
}>()("liverc-ingest/liverc/RobotsPolicy") {
  static readonly make = (settings: { readonly ttlMillis: number; readonly userAgent: string }) =>
    Effect.gen(function*() {
      const { urls } = yield* LiveRcSite
      const client = yield* LiveRcClient
      const throttle = yield* HostThrottle
      const token = productToken(settings.userAgent)

      const requestOf = (key: RobotsKey): PageRequest => key === ROOT ? urls.rootRobots() : urls.trackRobots(key)

      const lookup = (key: RobotsKey) =>
        Effect.gen(function*() {
          const request = requestOf(key)
          const response = yield* client.fetch(request).pipe(
            Effect.map((page) => page._tag === "Fetched" ? page.body : ""),
            Effect.catchIf((error) => error.reason === "not_found", () => Effect.succeed(""))
          )
          const delay = parseCrawlDelay(response, token)
          if (delay !== null && delay > 60) {
            yield* Effect.logWarning(`${request.url} asks for Crawl-delay ${delay}s: LiveRC requests slow to match`)
          }
          yield* throttle.setCrawlDelay(request.host, delay)
          return delay
        })

      const cache = yield* Cache.makeWith(lookup, {
        capacity: 4096,
        timeToLive: (exit) => Exit.isSuccess(exit) ? Duration.millis(settings.ttlMillis) : RETRY_AFTER_FAILURE
      })

      const refresh = (key: RobotsKey) =>
        Cache.get(cache, key).pipe(
          Effect.catch((error) =>
            Effect.logWarning(`robots.txt not read, keeping the delay in force: ${error.message}`)
          )
        )

      yield* Effect.forkScoped(refresh(ROOT).pipe(Effect.andThen(Effect.sleep(ROOT_CHECK_INTERVAL)), Effect.forever))

      return RobotsPolicy.of({
        refreshRoot: Effect.withSpan(refresh(ROOT), "RobotsPolicy.refreshRoot"),
        refreshTrack: (track) => Effect.withSpan(refresh(track), "RobotsPolicy.refreshTrack")
      })
    })

  static readonly layer = Layer.effect(
    RobotsPolicy,
    Effect.gen(function*() {
      const { ttlMillis } = yield* RobotsConfig
      const { userAgent } = yield* LiveRcClientConfig
      return yield* RobotsPolicy.make({ ttlMillis, userAgent })
    })
  )
}
