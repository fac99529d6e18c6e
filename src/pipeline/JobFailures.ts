import { Config, Duration, Effect, Schedule } from "effect"
import { RetryableJobError, TerminalJobError } from "../actors/JobHandler.ts"
import type { PersistenceError } from "../db/PersistenceError.ts"
import type { LiveRcClient, LiveRcFetchError } from "../liverc/LiveRcClient.ts"
import { LiveRcParseError } from "../liverc/LiveRcParseError.ts"
import type { PageRequest } from "../liverc/LiveRcUrls.ts"
import { millisConfig } from "../config/DurationConfig.ts"

/**
 * How the sync and discovery jobs turn LiveRC and Postgres failures into job failures: what a
 * later delivery could fix is retryable, what would fail the same way again is terminal.
 */

/**
 * The body of a page fetched without validators. LiveRC cannot answer such a request with 304;
 * should it anyway, the page is as unusable as one that does not parse.
 */
export const fetchBody = (client: LiveRcClient["Service"], request: PageRequest) =>
  client.fetch(request).pipe(
    Effect.flatMap((response) =>
      response._tag === "Fetched"
        ? Effect.succeed(response.body)
        : Effect.fail(new LiveRcParseError({ page: request.kind, url: request.url, reason: "304 to a request without validators" }))
    )
  )

/** A page the job cannot do without; `notFoundCode` names what a 404 means for this job. */
export const requiredPageFailure = (notFoundCode: string) => (error: LiveRcFetchError) => {
  if (error.retryable) return new RetryableJobError({ code: "LIVERC_UNAVAILABLE", message: error.message })
  if (error.reason === "not_found") return new TerminalJobError({ code: notFoundCode, message: error.message })
  return new TerminalJobError({ code: "LIVERC_REJECTED", message: error.message })
}

/**
 * A job that rests on one listing page cannot tell a passing glitch (a maintenance page, a cut
 * response) from a changed layout; a later delivery settles it, and max_deliver bounds the cost.
 */
export const listingParseFailure = (code: string) => (error: LiveRcParseError) =>
  new RetryableJobError({ code, message: error.message })

export const persistenceFailure = (error: PersistenceError) =>
  error.transient
    ? new RetryableJobError({ code: "DATABASE_UNAVAILABLE", message: error.message })
    : new TerminalJobError({ code: "DATABASE_REJECTED", message: error.message })

export const WriteRetryConfig = millisConfig("DB_WRITE_RETRY_WINDOW", 0, 3_600_000, 60_000).pipe(Config.map(Duration.millis))

/**
 * Retries a write while Postgres is briefly unreachable, so pages already fetched are not thrown
 * away; then maps what is left to a job failure.
 */
export const retryWrites = (window: Duration.Duration) =>
<A, R>(write: Effect.Effect<A, PersistenceError, R>): Effect.Effect<A, RetryableJobError | TerminalJobError, R> =>
  write.pipe(
    Effect.retry({
      while: (error) => error.transient,
      schedule: Schedule.min([
        Schedule.exponential(Duration.millis(250)).pipe(Schedule.jittered),
        Schedule.spaced(Duration.seconds(5))
      ]).pipe(Schedule.upTo({ duration: window }))
    }),
    Effect.mapError(persistenceFailure)
  )

/** Short, bounded lists of what failed, so a job's status document stays small. */
export const FAILURE_SAMPLE = 20

export const describeFailure = (error: LiveRcFetchError | LiveRcParseError): string =>
  error._tag === "LiveRcFetchError"
    ? error.status === null ? error.reason : `${error.reason} (HTTP ${error.status})`
    : `unparseable: ${error.reason}`
