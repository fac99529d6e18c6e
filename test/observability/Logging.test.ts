import { ConfigProvider, Effect, Exit, Layer, Logger, References } from "effect"
import { TestConsole } from "effect/testing"
import { describe, expect, it } from "vitest"
import { jsonLogger, LoggingLive, logLevelConfig, secretsConfig } from "../../src/observability/Logging.ts"

const withEnv = (env: Record<string, string>) =>
  Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env }))

const readLevel = (env: Record<string, string>) =>
  Effect.runSyncExit(Effect.gen(function*() {
    return yield* logLevelConfig
  }).pipe(withEnv(env)))

/** What the JSON logger prints for `program`, one parsed document per line. */
const printed = (secrets: ReadonlyArray<string>, program: Effect.Effect<void>) =>
  Effect.runSync(Effect.gen(function*() {
    yield* program.pipe(Effect.provide(Logger.layer([jsonLogger(secrets)])))
    return (yield* TestConsole.logLines).map((line) => JSON.parse(String(line)) as Record<string, any>)
  }).pipe(Effect.provide(TestConsole.layer)))

describe("LOG_LEVEL", () => {
  it("is info by default", () => {
    expect(readLevel({})).toEqual(Exit.succeed("Info"))
  })

  it("takes any case", () => {
    expect(readLevel({ LOG_LEVEL: "DEBUG" })).toEqual(Exit.succeed("Debug"))
    expect(readLevel({ LOG_LEVEL: "warn" })).toEqual(Exit.succeed("Warn"))
  })

  it("stops the process with the accepted values when it is not a level", () => {
    const exit = Effect.runSyncExit(Layer.build(LoggingLive).pipe(Effect.scoped, withEnv({ LOG_LEVEL: "verbose" })))
    expect(exit._tag).toBe("Failure")
    expect(String(exit)).toContain('LOG_LEVEL: "verbose" given; expected "trace" | "debug" | "info" | "warn" | "error" | "fatal" | "none"')
  })

  it("drops lines below the level", () => {
    const lines = printed(
      [],
      Effect.logDebug("hidden").pipe(
        Effect.andThen(Effect.logInfo("shown")),
        Effect.provideService(References.MinimumLogLevel, "Info")
      )
    )
    expect(lines.map((line) => line["message"])).toEqual(["shown"])
  })
})

describe("JSON log lines", () => {
  it("carry the message, the level and the annotations", () => {
    const [line] = printed([], Effect.logWarning("retry later").pipe(Effect.annotateLogs({ job_id: "j1", attempt: 2 })))
    expect(line).toMatchObject({ message: "retry later", level: "WARN", annotations: { job_id: "j1", attempt: 2 } })
  })

  it("never show a configured secret, even inside a third-party message", () => {
    const secrets = Effect.runSync(secretsConfig.pipe(withEnv({
      NATS_TOKEN: "tok-123456",
      DATABASE_URL: "postgres://app:p%40ss-word@db:5432/liverc"
    })))
    const lines = printed(
      secrets,
      Effect.logError("connect failed: postgres://app:p%40ss-word@db:5432/liverc (token tok-123456, password p@ss-word)")
    )
    expect(lines[0]?.["message"]).toBe(
      "connect failed: postgres://***@db:5432/liverc (token <redacted>, password <redacted>)"
    )
  })

  it("never show the credentials of any URL, configured or not, nor the password of NATS_URL", () => {
    const secrets = Effect.runSync(secretsConfig.pipe(withEnv({ NATS_URL: "nats://ops:n4ts-secret@n1:4222,nats://ops:n4ts-secret@n2:4222" })))
    const lines = printed(
      secrets,
      Effect.logWarning("reconnecting to nats://ops:n4ts-secret@n2:4222; upstream https://u:other-pw@example.org/x failed (n4ts-secret)")
    )
    expect(lines[0]?.["message"]).toBe("reconnecting to nats://***@n2:4222; upstream https://***@example.org/x failed (<redacted>)")
  })
})
