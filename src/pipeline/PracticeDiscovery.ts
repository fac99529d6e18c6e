import { Config, Context, Duration, Effect, Layer } from "effect"
import { RetryableJobError, TerminalJobError, type JobContext, type JobHandler } from "../actors/JobHandler.ts"
import { PracticeRepository } from "../db/PracticeRepository.ts"
import type { DiscoverPracticeCommand } from "../jobs/Commands.ts"
import { LiveRcClient } from "../liverc/LiveRcClient.ts"
import type { LiveRcId, PracticeDate, PracticeMonth } from "../liverc/LiveRcIds.ts"
import { LiveRcSite } from "../liverc/LiveRcSite.ts"
import type { PageRequest } from "../liverc/LiveRcUrls.ts"
import type { ParsedPages, ParseKind } from "../liverc/ParsePage.ts"
import { PageParser } from "../liverc/ParsePool.ts"
import { RobotsPolicy } from "../liverc/RobotsPolicy.ts"

import { PracticeNegativeCache } from "./PracticeNegativeCache.ts"
import { boundedIntConfig } from "../config/IntConfig.ts"
import { describeFailure, FAILURE_SAMPLE, fetchBody, persistenceFailure, retryWrites, WriteRetryConfig } from "./JobFailures.ts"
import { daysOf, isOverEverywhere, monthOf, monthsOf } from "./PracticeCalendar.ts"
import { millisConfig } from "../config/DurationConfig.ts"

/**
 * Finds a track's practice days in a date range and stores them with their sessions (and, at
 * `laps_full`, every session's laps). The month views come first: the days a month view links
 * are the practice days. A month view that says nothing (no linked day, a "no sessions" page, a
 * failure) does not prove the month empty, so its days in the range are probed one by one,
 * PRACTICE_DISCOVERY_CONCURRENCY at a time, each page under its own PRACTICE_DAY_TIMEOUT: a slow
 * day holds one slot, never the others. Days found empty are remembered (PracticeNegativeCache)
 * and not probed again within its TTL; a day that timed out or failed is simply asked next time.
 */

/** One Config per environment variable, so a start-up check can report every bad value. */
export const practiceDiscoveryConfigFields = {
  /** Practice pages (month views, days, sessions) in flight at once per discovery. */
  concurrency: boundedIntConfig("PRACTICE_DISCOVERY_CONCURRENCY", 1, 64, 4),
  /** How long one practice page may take, throttle wait and retries included. */
  pageTimeoutMillis: millisConfig("PRACTICE_DAY_TIMEOUT", 100, 600_000, 10_000),
  writeRetryWindow: WriteRetryConfig
}

export const PracticeDiscoveryConfig = Config.all(practiceDiscoveryConfigFields)

export interface PracticeDiscoveryResult {
  readonly [key: string]: unknown
  readonly track_slug: string
  readonly from: string
  readonly to: string
  readonly depth: string
  readonly months: number
  /** Month views that listed practice days. */
  readonly months_listed: number
  /** Days probed because their month view said nothing. */
  readonly days_probed: number
  /** Days not asked about: known empty from an earlier discovery. */
  readonly days_known_empty: number
  readonly practice_days: number
  readonly practice_dates: ReadonlyArray<string>
  readonly sessions: number
  readonly sessions_new: number
  readonly sessions_updated: number
  readonly sessions_unchanged: number
  readonly days_failed: number
  readonly failed_days: ReadonlyArray<{ readonly date: string; readonly reason: string }>
  readonly sessions_with_laps_fetched: number
  readonly laps: number
  readonly sessions_failed: number
}

/** One practice page: read, or why not. */
type PageOutcome<A> =
  | { readonly _tag: "Read"; readonly value: A }
  | { readonly _tag: "Failed"; readonly reason: string; readonly transient: boolean; readonly notFound: boolean }

interface FoundDay {
  readonly date: PracticeDate
  readonly sessionIds: ReadonlyArray<LiveRcId>
}

export class PracticeDiscovery extends Context.Service<PracticeDiscovery, {
  readonly handler: JobHandler<DiscoverPracticeCommand>
}>()("liverc-ingest/pipeline/PracticeDiscovery") {
  static readonly layer = Layer.effect(
    PracticeDiscovery,
    Effect.gen(function*() {
      const config = yield* PracticeDiscoveryConfig
      const client = yield* LiveRcClient
      const parser = yield* PageParser
      const { urls } = yield* LiveRcSite
      const robots = yield* RobotsPolicy
      const practice = yield* PracticeRepository
      const negatives = yield* PracticeNegativeCache
      const pageTimeout = Duration.millis(config.pageTimeoutMillis)

      const readPage = <K extends ParseKind>(
        request: PageRequest,
        kind: K
      ): Effect.Effect<PageOutcome<ParsedPages[K]>> =>
        fetchBody(client, request).pipe(
          Effect.flatMap((body) => parser.parse(kind, body, request.url)),
          Effect.map((value): PageOutcome<ParsedPages[K]> => ({ _tag: "Read", value })),
          Effect.timeoutOrElse({
            duration: pageTimeout,
            orElse: () =>
              Effect.succeed<PageOutcome<ParsedPages[K]>>({
                _tag: "Failed",
                reason: `timeout after ${config.pageTimeoutMillis} ms`,
                transient: true,
                notFound: false
              })
          }),
          Effect.catch((error) =>
            Effect.succeed<PageOutcome<ParsedPages[K]>>({
              _tag: "Failed",
              reason: describeFailure(error),
              transient: error._tag === "LiveRcFetchError" && error.retryable,
              notFound: error._tag === "LiveRcFetchError" && error.reason === "not_found"
            })
          )
        )

      const discover = Effect.fn("PracticeDiscovery.discover")(
        function*(command: DiscoverPracticeCommand, context: JobContext) {
          const slug = command.track_slug
          const depth = command.depth ?? "summary"
          yield* Effect.annotateCurrentSpan({ track: slug, from: command.from, to: command.to })
          // The range was checked against PRACTICE_DISCOVERY_MAX_DAYS before the job ran (JobCommands).
          yield* robots.refreshTrack(slug)
          const days = daysOf(command.from, command.to)
          const inRange = new Set<string>(days)
          const months = monthsOf(days)

          // Month views.
          let monthsRead = 0
          yield* context.reportProgress("read_months", 0, months.length)
          const views = yield* Effect.forEach(
            months,
            (month) =>
              readPage(urls.practiceMonth(slug, month), "practice-month").pipe(
                Effect.tap(() => context.reportProgress("read_months", ++monthsRead, months.length))
              ),
            { concurrency: config.concurrency }
          )
          if (views.every((view) => view._tag === "Failed" && view.notFound)) {
            return yield* new TerminalJobError({
              code: "TRACK_NOT_FOUND",
              message: `LiveRC has no practice calendar for track ${slug} (every month view answered 404)`
            })
          }
          const listed: Array<PracticeDate> = []
          const silentMonths = new Set<PracticeMonth>()
          views.forEach((view, index) => {
            const month = months[index]!
            const linked = view._tag === "Read" ? view.value.days.filter((day) => inRange.has(day)) : []
            if (view._tag === "Read" && view.value.days.length > 0) listed.push(...(linked as Array<PracticeDate>))
            else silentMonths.add(month)
          })
          const candidates = days.filter((day) => silentMonths.has(monthOf(day)))
          const knownEmpty = yield* negatives.known(slug, candidates)
          const probes = candidates.filter((day) => !knownEmpty.has(day))

          // Day views: the listed days and the probes, a few at a time, each under its own timeout.
          const toRead = [...listed, ...probes].sort()
          const found: Array<FoundDay> = []
          const failedDays: Array<{ date: string; reason: string }> = []
          const sessionCounts = { new: 0, updated: 0, unchanged: 0 }
          let daysFailed = 0
          let transientFailures = 0
          let daysRead = 0
          yield* context.reportProgress("read_days", 0, toRead.length)
          yield* Effect.forEach(
            toRead,
            (date) =>
              Effect.gen(function*() {
                const outcome = yield* readPage(urls.practiceDay(slug, date), "practice-day")
                if (outcome._tag === "Failed") {
                  daysFailed++
                  if (outcome.transient) transientFailures++
                  if (failedDays.length < FAILURE_SAMPLE) failedDays.push({ date, reason: outcome.reason })
                } else if (outcome.value.sessions.length === 0) {
                  if (isOverEverywhere(date, Date.now())) yield* negatives.remember(slug, date)
                } else {
                  const counts = yield* practice.upsertDay(slug, outcome.value).pipe(
                    retryWrites(config.writeRetryWindow)
                  )
                  sessionCounts.new += counts.new
                  sessionCounts.updated += counts.updated
                  sessionCounts.unchanged += counts.unchanged
                  found.push({ date, sessionIds: outcome.value.sessions.map((session) => session.sessionId) })
                }
                yield* context.reportProgress("read_days", ++daysRead, toRead.length)
              }),
            { concurrency: config.concurrency, discard: true }
          )
          if (toRead.length > 0 && transientFailures === toRead.length) {
            return yield* new RetryableJobError({
              code: "LIVERC_UNAVAILABLE",
              message: `no practice day of ${slug} could be read: ${failedDays[0]?.reason ?? "unknown"}`
            })
          }

          // Session details with their laps, for sessions whose laps are not stored yet.
          const laps = { sessions: 0, laps: 0, failed: 0 }
          if (depth === "laps_full") {
            const sessionIds = found.flatMap((day) => day.sessionIds)
            const stored = yield* practice.withLaps(sessionIds).pipe(Effect.mapError(persistenceFailure))
            const needed = sessionIds.filter((id) => !stored.has(id))
            let sessionsRead = 0
            yield* context.reportProgress("fetch_sessions", 0, needed.length)
            yield* Effect.forEach(
              needed,
              (sessionId) =>
                Effect.gen(function*() {
                  const outcome = yield* readPage(urls.practiceSession(slug, sessionId), "practice-session")
                  if (outcome._tag === "Failed") {
                    laps.failed++
                  } else {
                    const written = yield* practice.writeSession(slug, sessionId, outcome.value).pipe(
                      retryWrites(config.writeRetryWindow)
                    )
                    laps.sessions++
                    laps.laps += written.laps
                  }
                  yield* context.reportProgress("fetch_sessions", ++sessionsRead, needed.length)
                }),
              { concurrency: config.concurrency, discard: true }
            )
          }

          return {
            track_slug: slug,
            from: command.from,
            to: command.to,
            depth,
            months: months.length,
            months_listed: months.length - silentMonths.size,
            days_probed: probes.length,
            days_known_empty: knownEmpty.size,
            practice_days: found.length,
            practice_dates: found.map((day) => day.date).sort(),
            sessions: found.reduce((sum, day) => sum + day.sessionIds.length, 0),
            sessions_new: sessionCounts.new,
            sessions_updated: sessionCounts.updated,
            sessions_unchanged: sessionCounts.unchanged,
            days_failed: daysFailed,
            failed_days: failedDays,
            sessions_with_laps_fetched: laps.sessions,
            laps: laps.laps,
            sessions_failed: laps.failed
          } satisfies PracticeDiscoveryResult
        }
      )

      return PracticeDiscovery.of({ handler: discover })
    })
  )
}
