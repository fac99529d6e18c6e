import { type Cause, Config, Context, Duration, Effect, Exit, Layer, Option, Schema, Stream } from "effect"
import { HttpClient, HttpClientRequest, type HttpClientResponse } from "effect/http"
import { Counter, Histogram } from "prom-client"
import { millisConfig } from "../config/DurationConfig.ts"
import { boundedIntConfig } from "../config/IntConfig.ts"
import { registry } from "../observability/Metrics.ts"
import { AdaptiveConcurrency } from "../throttle/AdaptiveConcurrency.ts"
import type { FetchOutcome } from "../throttle/AimdPolicy.ts"
import { HostThrottle } from "../throttle/HostThrottle.ts"
import { PageKind, type PageRequest } from "./LiveRcUrls.ts"

/**
 * The only HTTP client that talks to LiveRC. Each attempt holds a permit of the host's adaptive
 * concurrency limit, then takes a token of the global throttle, then runs under a timeout
 * (interruption aborts the socket), and is retried with exponential backoff + jitter that honours `Retry-After`.
 * Requests carry the page's stored validators, so an unchanged page costs a 304 and no parse.
 */

const requestSeconds = new Histogram({
  name: "liverc_request_duration_seconds",
  help: "LiveRC request attempts by page kind and outcome (HTTP status, or timeout/transport)",
  labelNames: ["page_kind", "status"] as const,
  buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 20, 30],
  registers: [registry]
})
const retriesTotal = new Counter({
  name: "liverc_request_retries_total",
  help: "LiveRC request attempts that were retried, by page kind and reason",
  labelNames: ["page_kind", "reason"] as const,
  registers: [registry]
})

export const FetchFailureReason = Schema.Literals([
  "timeout",
  "rate_limited",
  "unavailable",
  "server_error",
  "transport",
  "not_found",
  "client_error",
  "too_large"
])
export type FetchFailureReason = typeof FetchFailureReason.Type

export class LiveRcFetchError extends Schema.TaggedError<LiveRcFetchError>()("LiveRcFetchError", {
  page: PageKind,
  url: Schema.String,
  reason: FetchFailureReason,
  status: Schema.NullOr(Schema.Int),
  attempts: Schema.Int,
  /** Worth trying again later (as a job retry): LiveRC was overloaded or unreachable. */
  retryable: Schema.Boolean,
  /** Seconds LiveRC asked us to wait, when it said so. */
  retryAfterSeconds: Schema.NullOr(Schema.Number)
}) {
  override get message() {
    const status = this.status === null ? "" : ` (HTTP ${this.status})`
    return `${this.page} ${this.url}: ${this.reason}${status} after ${this.attempts} attempt(s)`
  }
}

export interface Validators {
  readonly etag: string | null
  readonly lastModified: string | null
}

export type PageResponse =
  | {
    readonly _tag: "Fetched"
    readonly request: PageRequest
    readonly body: string
    readonly validators: Validators
    readonly bytes: number
  }
  | { readonly _tag: "NotModified"; readonly request: PageRequest }

/** One Config per environment variable, so a start-up check can report every bad value. */
export const liveRcClientConfigFields = {
  timeout: millisConfig("LIVERC_REQUEST_TIMEOUT", 100, 600_000, 20_000).pipe(Config.map(Duration.millis)),
  maxAttempts: boundedIntConfig("LIVERC_MAX_ATTEMPTS", 1, 20, 4),
  retryBase: millisConfig("LIVERC_RETRY_BASE", 1, 600_000, 500).pipe(Config.map(Duration.millis)),
  retryMax: millisConfig("LIVERC_RETRY_MAX", 1, 3_600_000, 30_000).pipe(Config.map(Duration.millis)),
  /** 64 KiB..64 MiB (-5 or 10 GiB fail at start); the track catalogue alone is about 0.9 MB. */
  maxPageBytes: boundedIntConfig("LIVERC_MAX_PAGE_BYTES", 64 * 1024, 64 * 1024 * 1024, 8 * 1024 * 1024),
  userAgent: Config.String("LIVERC_USER_AGENT").pipe(
    Config.withDefault("liverc-ingest/0.1 (+https://github.com/liverc-ingest/liverc-ingest)")
  )
}

export const LiveRcClientConfig = Config.all(liveRcClientConfigFields)
export type LiveRcClientConfig = Config.Success<typeof LiveRcClientConfig>

/** `Retry-After` is seconds or an HTTP date; anything else is ignored. */
export const parseRetryAfter = (value: string | undefined, nowMs: number): number | null => {
  if (value === undefined) return null
  const trimmed = value.trim()
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Number(trimmed)
  const date = Date.parse(trimmed)
  if (Number.isNaN(date)) return null
  return Math.max(0, (date - nowMs) / 1000)
}

interface AttemptFailure {
  readonly reason: FetchFailureReason
  readonly status: number | null
  readonly retryAfterSeconds: number | null
}

const retryableReasons: ReadonlySet<FetchFailureReason> = new Set([
  "timeout",
  "rate_limited",
  "unavailable",
  "server_error",
  "transport"
])

const classifyStatus = (status: number): FetchFailureReason | null => {
  if (status === 200 || status === 304) return null
  if (status === 429) return "rate_limited"
  if (status === 503) return "unavailable"
  if (status === 404 || status === 410) return "not_found"
  if (status >= 500) return "server_error"
  return "client_error"
}

/** What an attempt says about LiveRC's load, for the adaptive limit. */
const loadSignal = (exit: Exit.Exit<unknown, AttemptFailure>, latencyMs: number): FetchOutcome => {
  if (Exit.isSuccess(exit)) return { _tag: "Success", latencyMs }
  const failure = Option.getOrUndefined(Exit.findErrorOption(exit))
  if (failure === undefined) return { _tag: "Neutral" }
  return failure.reason === "rate_limited" || failure.reason === "unavailable" || failure.reason === "timeout"
    ? { _tag: "Overload" }
    : { _tag: "Neutral" }
}

const statusLabel = (exit: Exit.Exit<PageResponse, AttemptFailure>): string => {
  if (Exit.isSuccess(exit)) return exit.value._tag === "NotModified" ? "304" : "200"
  const failure = Option.getOrUndefined(Exit.findErrorOption(exit))
  if (failure === undefined) return "interrupted"
  return failure.status === null || failure.reason === "too_large" ? failure.reason : String(failure.status)
}

export class LiveRcClient extends Context.Service<LiveRcClient, {
  /** GETs a page built by LiveRcUrls; with validators it may answer NotModified. */
  readonly fetch: (request: PageRequest, validators?: Validators) => Effect.Effect<PageResponse, LiveRcFetchError>
}>()("liverc-ingest/liverc/LiveRcClient") {
  static readonly make = (config: LiveRcClientConfig) =>
    Effect.gen(function*() {
      const http = yield* HttpClient.HttpClient
      const throttle = yield* HostThrottle
      const concurrency = yield* AdaptiveConcurrency

      const readBody = (response: HttpClientResponse.HttpClientResponse) =>
        response.stream.pipe(
          Stream.runFoldEffect(
            () => ({ chunks: [] as Array<Uint8Array>, size: 0 }),
            (acc, chunk) => {
              const size = acc.size + chunk.byteLength
              if (size > config.maxPageBytes) {
                return Effect.fail<AttemptFailure>({ reason: "too_large", status: 200, retryAfterSeconds: null })
              }
              acc.chunks.push(chunk)
              return Effect.succeed({ chunks: acc.chunks, size })
            }
          ),
          Effect.mapError((error): AttemptFailure =>
            "reason" in error && typeof error.reason === "string" && error.reason === "too_large"
              ? (error as AttemptFailure)
              : { reason: "transport", status: 200, retryAfterSeconds: null }
          ),
          Effect.map(({ chunks, size }) => ({ body: Buffer.concat(chunks, size).toString("utf8"), size }))
        )

      const attempt = (request: PageRequest, validators: Validators | undefined) =>
        Effect.gen(function*() {
          let outgoing = HttpClientRequest.get(request.url).pipe(
            HttpClientRequest.setHeaders({
              "user-agent": config.userAgent,
              accept: "text/html,application/xhtml+xml;q=0.9,*/*;q=0.8"
            })
          )
          if (validators?.etag) outgoing = HttpClientRequest.setHeader(outgoing, "if-none-match", validators.etag)
          if (validators?.lastModified) {
            outgoing = HttpClientRequest.setHeader(outgoing, "if-modified-since", validators.lastModified)
          }
          const response = yield* http.execute(outgoing).pipe(
            Effect.mapError((): AttemptFailure => ({ reason: "transport", status: null, retryAfterSeconds: null }))
          )
          const failure = classifyStatus(response.status)
          if (failure !== null) {
            return yield* Effect.fail<AttemptFailure>({
              reason: failure,
              status: response.status,
              retryAfterSeconds: parseRetryAfter(response.headers["retry-after"], Date.now())
            })
          }
          if (response.status === 304) return { _tag: "NotModified", request } as const
          const { body, size } = yield* readBody(response)
          return {
            _tag: "Fetched",
            request,
            body,
            bytes: size,
            validators: {
              etag: response.headers["etag"] ?? null,
              lastModified: response.headers["last-modified"] ?? null
            }
          } as const
        }).pipe(
          Effect.scoped,
          Effect.timeoutOrElse({
            duration: config.timeout,
            orElse: () => Effect.fail<AttemptFailure>({ reason: "timeout", status: null, retryAfterSeconds: null })
          })
        )

      // The token wait (throttle, kill switch) sits outside the timeout and the latency sample: a
      // paused deployment must not turn into timeouts, and queueing for tokens is not LiveRC's
      // latency. The permit is taken first, so a request holding a token is sent at once.
      const measured = (request: PageRequest, validators: Validators | undefined) =>
        Effect.suspend(() => {
          let started = performance.now()
          return concurrency.run(
            request.host,
            (exit) => {
              const latencyMs = performance.now() - started
              requestSeconds.observe({ page_kind: request.kind, status: statusLabel(exit) }, latencyMs / 1000)
              return loadSignal(exit, latencyMs)
            },
            throttle.acquire(request.host).pipe(
              Effect.andThen(Effect.sync(() => {
                started = performance.now()
              })),
              Effect.andThen(attempt(request, validators))
            )
          )
        })

      const backoffMs = (attemptNumber: number, retryAfterSeconds: number | null) => {
        const base = Duration.toMillis(config.retryBase) * 2 ** (attemptNumber - 1)
        const jittered = base / 2 + Math.random() * base
        const asked = retryAfterSeconds === null ? 0 : retryAfterSeconds * 1000
        return Math.min(Duration.toMillis(config.retryMax), Math.max(jittered, asked))
      }

      const fetch = Effect.fn("LiveRcClient.fetch")(function*(request: PageRequest, validators?: Validators) {
        yield* Effect.annotateCurrentSpan({ page: request.kind })
        let attemptNumber = 1
        while (true) {
          const exit = yield* Effect.exit(measured(request, validators))
          if (Exit.isSuccess(exit)) return exit.value
          const failure = Option.getOrUndefined(Exit.findErrorOption(exit))
          // No typed failure left means a defect or an interruption: pass it through untouched.
          if (failure === undefined) return yield* Effect.failCause(exit.cause as Cause.Cause<never>)
          const retryable = retryableReasons.has(failure.reason)
          if (!retryable || attemptNumber >= config.maxAttempts) {
            return yield* new LiveRcFetchError({
              page: request.kind,
              url: request.url,
              reason: failure.reason,
              status: failure.status,
              attempts: attemptNumber,
              retryable,
              retryAfterSeconds: failure.retryAfterSeconds
            })
          }
          retriesTotal.inc({ page_kind: request.kind, reason: failure.reason })
          yield* Effect.sleep(Duration.millis(backoffMs(attemptNumber, failure.retryAfterSeconds)))
          attemptNumber++
        }
      })

      return LiveRcClient.of({ fetch })
    })

  static readonly layer = Layer.effect(
    LiveRcClient,
    Effect.gen(function*() {
      const config = yield* LiveRcClientConfig
      return yield* LiveRcClient.make(config)
    })
  )
}
