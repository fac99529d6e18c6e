import { type Config, Effect, Runtime, Schema } from "effect"

/**
 * Reads every setting a process needs before it connects anywhere, and reports all bad values at
 * once, one line each, instead of failing on the first (or hanging on a broker while a typo
 * waits further down).
 */
export class InvalidConfiguration extends Schema.TaggedError<InvalidConfiguration>()("InvalidConfiguration", {
  problems: Schema.Array(Schema.String)
}) {
  override readonly [Runtime.errorReported] = false
  override get message() {
    return `invalid configuration:\n${this.problems.map((p) => `  - ${p}`).join("\n")}`
  }
}

/** `NAME: rule`, from a schema message like `rule\n  at ["NAME"]`. */
export const describeConfigError = (error: Config.ConfigError): string => {
  const text = error.cause.message
  const path = /\bat \["([^"]+)"\]/.exec(text)?.[1]
  const rule = text.replace(/\s*\bat \[[^\]]*\]\s*/g, " ").replace(/\s+/g, " ").trim()
  return path === undefined ? rule : `${path}: ${rule}`
}

export const checkConfig = (fields: Record<string, Config.Config<unknown>>): Effect.Effect<void, InvalidConfiguration> =>
  Effect.gen(function*() {
    const results = yield* Effect.forEach(Object.values(fields), (config) =>
      Effect.result(Effect.gen(function*() {
        return yield* config
      })))
    const problems = results.flatMap((r) => r._tag === "Failure" ? [describeConfigError(r.failure)] : [])
    if (problems.length > 0) {
      yield* Effect.sync(() => process.stderr.write(`${new InvalidConfiguration({ problems }).message}\n`))
      return yield* new InvalidConfiguration({ problems })
    }
  })
