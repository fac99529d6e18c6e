import { Cache, Config, Context, Duration, Effect, Exit, Layer } from "effect"
import { HostThrottle } from "../throttle/HostThrottle.ts"

import { LiveRcClient, LiveRcClientConfig } from "./LiveRcClient.ts"
import type { TrackSlug } from "./LiveRcIds.ts"
import { LiveRcSite } from "./LiveRcSite.ts"
import type { PageRequest } from "./LiveRcUrls.ts"
import { millisConfig } from "../config/DurationConfig.ts"
import { isSpace } from "./TextScan.ts"

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
 * RFC 9309 asks a parser to read at least the first 500 KiB of a robots.txt; we read that much (in
 * UTF-16 code units of the decoded text, never fewer characters than 500 KiB of bytes hold) and
 * ignore the rest, so a huge file costs no more than this.
 */
export const ROBOTS_MAX_CHARS = 500 * 1024

/** A Crawl-delay value: digits, optionally a dot and more digits (`/^\d+(\.\d+)?$/`); else NaN. */
const delayValue = (line: string, from: number, to: number): number => {
  let dot = -1
  for (let at = from; at < to; at++) {
    const code = line.charCodeAt(at)
    if (code === 46 /* . */ && dot === -1 && at > from && at < to - 1) dot = at
    else if (code < 48 || code > 57) return Number.NaN
  }
  return to > from ? Number(line.slice(from, to)) : Number.NaN
}

/**
 * The Crawl-delay (seconds) that applies to `token`: from the groups naming it, else from the `*`
 * groups (RFC 9309 group matching, case-insensitive; several matching groups are combined and the
 * longest delay wins). A delay written before any User-agent line is taken as `*`. Null: none.
 *
 * One pass over the first ROBOTS_MAX_CHARS characters, with no regular expression and nothing kept
 * per agent: only whether the current group names `token` or `*`, and the longest delay seen for
 * each, so 40,000 User-agent lines cost what 40,000 lines of anything do. Any bytes are tolerated
 * (NULs, binary, one endless line): a line that is not `field: value` is skipped.
 */
export const parseCrawlDelay = (robotsTxt: string, token: string): number | null => {
  const text = robotsTxt.length > ROBOTS_MAX_CHARS ? robotsTxt.slice(0, ROBOTS_MAX_CHARS) : robotsTxt
  const wanted = token.toLowerCase()
  let groupNamesToken = false
  let groupNamesStar = true
  let inAgentLines = false
  let tokenDelay = Number.NaN
  let starDelay = Number.NaN
  let lineStart = 0
  while (lineStart <= text.length) {
    let lineEnd = lineStart
    let comment = -1
    let colon = -1
    for (; lineEnd < text.length; lineEnd++) {
      const code = text.charCodeAt(lineEnd)
      if (code === 10 || code === 13) break
      if (code === 35 /* # */ && comment === -1) comment = lineEnd
      else if (code === 58 /* : */ && colon === -1 && comment === -1) colon = lineEnd
    }
    const contentEnd = comment === -1 ? lineEnd : comment
    if (colon !== -1) {
      let fieldStart = lineStart
      let fieldEnd = colon
      while (fieldStart < fieldEnd && isSpace(text.charCodeAt(fieldStart))) fieldStart++
      while (fieldEnd > fieldStart && isSpace(text.charCodeAt(fieldEnd - 1))) fieldEnd--
      let valueStart = colon + 1
      let valueEnd = contentEnd
      while (valueStart < valueEnd && isSpace(text.charCodeAt(valueStart))) valueStart++
      while (valueEnd > valueStart && isSpace(text.charCodeAt(valueEnd - 1))) valueEnd--
      const fieldLength = fieldEnd - fieldStart
      const field = fieldLength === 10 || fieldLength === 11 ? text.slice(fieldStart, fieldEnd).toLowerCase() : ""
      if (field === "user-agent") {
        if (!inAgentLines) {
          groupNamesToken = false
          groupNamesStar = false
        }
        inAgentLines = true
        // Only two agents matter; a value longer than both cannot be either.
        if (valueEnd - valueStart <= Math.max(wanted.length, 1)) {
          const agent = text.slice(valueStart, valueEnd).toLowerCase()
          if (agent === wanted) groupNamesToken = true
          if (agent === "*") groupNamesStar = true
        }
      } else {
        inAgentLines = false
        if (field === "crawl-delay") {
          const delay = delayValue(text, valueStart, valueEnd)
          if (Number.isFinite(delay)) {
            if (groupNamesToken && !(delay <= tokenDelay)) tokenDelay = delay
            if (groupNamesStar && !(delay <= starDelay)) starDelay = delay
          }
        }
      }
    }
    // CRLF is one line end; a lone CR or LF is one too.
    lineStart = text.charCodeAt(lineEnd) === 13 && text.charCodeAt(lineEnd + 1) === 10 ? lineEnd + 2 : lineEnd + 1
  }
  // Asked as "*", the token's groups are the star groups, which also hold the lines before any
  // User-agent line.
  const longest = Number.isNaN(tokenDelay) || wanted === "*" ? starDelay : tokenDelay
  return longest > 0 ? longest : null
}

/** One Config per environment variable, so a start-up check can report every bad value. */
export const robotsConfigFields = {
  ttlMillis: millisConfig("LIVERC_ROBOTS_TTL", 60_000, 7 * 86_400_000, 3_600_000)
}

export const RobotsConfig = Config.all(robotsConfigFields)

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
