import { Config, Effect, Option, Redacted, Runtime, Schema } from "effect"
import { withoutCredentials } from "../config/UrlCredentials.ts"
import { ExitCode } from "../terminal/ExitCodes.ts"

/**
 * A long-running command that cannot start says why in one line, naming the dependency and its
 * address (never a secret), and exits with the documented code: 3 for configuration, 4 for a
 * dependency that cannot be reached or used (NATS too old, Postgres unreachable, a port in use).
 * A failure not listed here is a bug and keeps its full report.
 */
export class ServiceStartFailed extends Schema.TaggedError<ServiceStartFailed>()("ServiceStartFailed", {
  line: Schema.String,
  exitCode: Schema.Int
}) {
  override readonly [Runtime.errorReported] = false
  override get [Runtime.errorExitCode]() {
    return this.exitCode
  }
  override get message() {
    return this.line
  }
}

interface Tagged {
  readonly _tag: string
  readonly message?: string
  readonly cause?: unknown
}

const isTagged = (error: unknown): error is Tagged =>
  typeof error === "object" && error !== null && typeof (error as { _tag?: unknown })._tag === "string"

/** `EADDRINUSE 127.0.0.1:8080` from a listen error somewhere down the cause chain. */
const listenProblem = (error: unknown): string | undefined => {
  for (let at: unknown = error, depth = 0; at !== undefined && at !== null && depth < 5; depth++) {
    const code = (at as { code?: unknown }).code
    const message = (at as { message?: unknown }).message
    if (code === "EADDRINUSE" || code === "EACCES" || code === "EADDRNOTAVAIL") {
      const address = typeof message === "string" ? /(\S+:\d+)\s*$/.exec(message)?.[1] : undefined
      const what = code === "EADDRINUSE" ? "is already in use" : code === "EACCES" ? "is not allowed" : "is not an address here"
      return `${address ?? "the address"} ${what}`
    }
    at = (at as { cause?: unknown }).cause
  }
  return undefined
}

const databaseAddress = Config.Redacted("DATABASE_URL").pipe(
  Config.option,
  Config.map(Option.match({ onNone: () => "postgres://root@127.0.0.1:5432/test", onSome: Redacted.value })),
  Effect.map(withoutCredentials),
  Effect.orElseSucceed(() => "DATABASE_URL")
)

const unavailable = (line: string) => new ServiceStartFailed({ line, exitCode: ExitCode.unavailable })

/** The one line for a known start-up failure, or None for a bug. */
export const explainStartFailure = (error: unknown): Effect.Effect<Option.Option<ServiceStartFailed>> =>
  Effect.gen(function*() {
    if (!isTagged(error)) return Option.none()
    switch (error._tag) {
      case "InvalidConfiguration":
        // Already printed, one line per setting.
        return Option.some(new ServiceStartFailed({ line: "", exitCode: ExitCode.badInput }))
      case "ConfigError":
        return Option.some(new ServiceStartFailed({ line: `invalid configuration: ${error.message}`, exitCode: ExitCode.badInput }))
      case "ServeError":
        return Option.some(unavailable(`the gateway cannot listen: ${listenProblem(error) ?? error.message} (GATEWAY_HOST, GATEWAY_PORT)`))
      case "MetricsServerFailed":
        return Option.some(unavailable(`the metrics server cannot listen: ${listenProblem(error) ?? error.message} (METRICS_HOST, METRICS_PORT)`))
      case "PersistenceError": {
        const { detail, operation } = error as Tagged & { readonly operation?: string; readonly detail?: string }
        return Option.some(unavailable(`Postgres at ${yield* databaseAddress} cannot be used (${operation}): ${detail}`))
      }
      case "NatsServerTooOld":
      case "NatsUnavailable":
      case "ProvisioningError":
      case "LocalNatsError":
      case "EmbeddedDatabaseError":
        return Option.some(unavailable(error.message ?? error._tag))
      default:
        return Option.none()
    }
  })
