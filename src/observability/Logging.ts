import { Config, Effect, Layer, Logger, type LogLevel, Option, Redacted, References, Schema, SchemaTransformation } from "effect"
import { checkConfig, type InvalidConfiguration } from "../config/ConfigCheck.ts"
import { passwordOf, scrubUrlCredentials } from "../config/UrlCredentials.ts"

/**
 * How long-running processes (worker, gateway, simulator) log: one JSON document per line on
 * stdout, Effect's structured form (`message`, `level`, `timestamp`, `annotations`, `spans`,
 * `fiberId`, `cause`). A job's lines carry `job_id`, `kind`, `attempt` and, where they apply,
 * `event_id` and `stage` as annotations.
 *
 * - `LOG_LEVEL` (default `info`): trace, debug, info, warn, error, fatal or none; any case.
 *
 * Secrets are kept out of log lines where they could enter (Config.Redacted everywhere), and as a
 * last guard every line is scrubbed of the configured secret values: a third-party error message
 * that quotes a connection string must not publish its password.
 */

const LEVELS = {
  trace: "Trace",
  debug: "Debug",
  info: "Info",
  warn: "Warn",
  error: "Error",
  fatal: "Fatal",
  none: "None"
} as const satisfies Record<string, LogLevel.LogLevel>

type LevelName = keyof typeof LEVELS

const LevelName = Schema.Literals(Object.keys(LEVELS) as Array<LevelName>)

const LevelFromString = Schema.String.pipe(
  Schema.decodeTo(
    LevelName,
    SchemaTransformation.transform<LevelName, string>({
      decode: (text) => text.trim().toLowerCase() as LevelName,
      encode: (level: LevelName) => level
    })
  )
)

export const logLevelConfig: Config.Config<LogLevel.LogLevel> = Config.schema(LevelFromString, "LOG_LEVEL").pipe(
  Config.withDefault<LevelName>("info"),
  Config.map((name) => LEVELS[name])
)

/** Shorter values would scrub ordinary words out of every line. */
const MIN_SECRET_LENGTH = 4

/** The passwords of every URL in a comma-separated list. */
const urlPasswords = (urls: string): Array<string> =>
  urls.split(",").flatMap((url) => {
    const password = passwordOf(url.trim())
    return password === undefined ? [] : [password]
  })

/** The values that must never appear in a log line, as configured for this process. */
export const secretsConfig: Config.Config<ReadonlyArray<string>> = Config.all([
  Config.Redacted("NATS_TOKEN").pipe(Config.option),
  Config.Redacted("NATS_PASSWORD").pipe(Config.option),
  Config.Redacted("GATEWAY_TOKEN").pipe(Config.option),
  Config.Redacted("DATABASE_URL").pipe(Config.option),
  Config.Redacted("NATS_URL").pipe(Config.option)
]).pipe(
  Config.map(([natsToken, natsPassword, gatewayToken, databaseUrl, natsUrl]) =>
    [
      Option.map(natsToken, Redacted.value),
      Option.map(natsPassword, Redacted.value),
      Option.map(gatewayToken, Redacted.value),
      ...[databaseUrl, natsUrl].flatMap((url) => Option.isSome(url) ? urlPasswords(Redacted.value(url.value)).map(Option.some) : [])
    ].flatMap((secret) =>
      Option.isSome(secret) && secret.value.length >= MIN_SECRET_LENGTH
        // A secret can reach a line JSON-escaped as well as verbatim.
        ? [...new Set([secret.value, JSON.stringify(secret.value).slice(1, -1), encodeURIComponent(secret.value)])]
        : []
    )
  )
)

export const scrub = (secrets: ReadonlyArray<string>) => (line: string): string =>
  scrubUrlCredentials(secrets.reduce((text, secret) => text.replaceAll(secret, "<redacted>"), line))

/** One JSON line per log entry on stdout, scrubbed of `secrets`. */
export const jsonLogger = (secrets: ReadonlyArray<string>) =>
  Logger.withConsoleLog(Logger.map(Logger.formatJson, scrub(secrets)))

/**
 * The logger of a long-running command: replaces the default logger and sets the minimum level.
 * A bad LOG_LEVEL stops the command before it starts, reported like every other setting.
 */
export const LoggingLive: Layer.Layer<never, Config.ConfigError | InvalidConfiguration> = Layer.unwrap(
  Effect.gen(function*() {
    yield* checkConfig({ logLevel: logLevelConfig })
    const level = yield* logLevelConfig
    const secrets = yield* secretsConfig
    return Layer.merge(Logger.layer([jsonLogger(secrets)]), Layer.succeed(References.MinimumLogLevel, level))
  })
)
