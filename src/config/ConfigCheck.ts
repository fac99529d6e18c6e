import { Config, Effect, Option, Runtime, Schema } from "effect"
import { ExitCode } from "../terminal/ExitCodes.ts"
import { withoutCredentials } from "./UrlCredentials.ts"

/**
 * Reads every setting a process needs before it connects anywhere, and reports all bad values at
 * once, one line each (`NAME: what was given; expected what`), instead of failing on the first
 * (or hanging on a broker while a typo waits further down). The process then exits 3.
 */
export class InvalidConfiguration extends Schema.TaggedError<InvalidConfiguration>()("InvalidConfiguration", {
  problems: Schema.Array(Schema.String)
}) {
  override readonly [Runtime.errorExitCode] = ExitCode.badInput
  override readonly [Runtime.errorReported] = false
  override get message() {
    return `invalid configuration:\n${this.problems.map((p) => `  - ${p}`).join("\n")}`
  }
}

/** Settings whose value must never be printed, and URLs printed only without their credentials. */
const SECRETS = new Set(["NATS_TOKEN", "NATS_PASSWORD", "GATEWAY_TOKEN"])
const URLS_WITH_CREDENTIALS = new Set(["NATS_URL", "DATABASE_URL"])

/** Effect's schema wording, made to read as what is expected. */
const expected = (rule: string): string =>
  rule
    .replace(/^Expected a string representing a finite number$/, "a number")
    .replace(/^Expected /, "")

const shown = (name: string, value: string): string => {
  if (SECRETS.has(name)) return "a value (not shown)"
  const text = URLS_WITH_CREDENTIALS.has(name) ? withoutCredentials(value) : value
  return JSON.stringify(text.length > 80 ? `${text.slice(0, 80)}...` : text)
}

/** The name a schema message points at (`rule\n  at ["NAME"]`) and its rule. */
const parse = (error: Config.ConfigError): { readonly name: string | undefined; readonly rule: string } => {
  const text = error.cause.message
  return {
    name: /\bat \["([^"]+)"\]/.exec(text)?.[1],
    rule: text.replace(/\s*\bat \[[^\]]*\]\s*/g, " ").replace(/\s+/g, " ").trim()
  }
}

/** `NAME: "given"; expected rule`, the value read from the same provider the setting was. */
const describe = (error: Config.ConfigError): Effect.Effect<string> =>
  Effect.gen(function*() {
    const { name, rule } = parse(error)
    if (name === undefined) return rule
    const given = yield* Config.String(name).pipe(Config.option, Effect.orElseSucceed(() => Option.none<string>()))
    return Option.isSome(given)
      ? `${name}: ${shown(name, given.value)} given; expected ${expected(rule)}`
      : `${name}: ${expected(rule)}`
  })

/** One Config per environment variable, under any keys: a process's settings are several groups. */
export type SettingGroup = Record<string, Config.Config<unknown>>

/** Checks every setting of the groups (a setting in several groups counts once). */
export const checkConfig = (...groups: ReadonlyArray<SettingGroup>): Effect.Effect<void, InvalidConfiguration> =>
  Effect.gen(function*() {
    const configs = [...new Set(groups.flatMap((group) => Object.values(group)))]
    const results = yield* Effect.forEach(configs, (config) =>
      Effect.result(Effect.gen(function*() {
        return yield* config
      })))
    const lines = yield* Effect.forEach(results.flatMap((r) => r._tag === "Failure" ? [r.failure] : []), describe)
    const problems = [...new Set(lines)]
    if (problems.length > 0) {
      yield* Effect.sync(() => process.stderr.write(`${new InvalidConfiguration({ problems }).message}\n`))
      return yield* new InvalidConfiguration({ problems })
    }
  })
