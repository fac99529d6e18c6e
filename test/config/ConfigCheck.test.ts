import { Cause, ConfigProvider, Effect, Exit, Option } from "effect"
import { describe, expect, it } from "vitest"
import { workerSettingsConfigFields } from "../../src/actors/WorkerSettings.ts"
import { checkConfig } from "../../src/config/ConfigCheck.ts"
import { topologyConfigFields } from "../../src/queue/Topology.ts"
import { adaptiveConcurrencyConfigFields } from "../../src/throttle/AdaptiveConcurrency.ts"

const check = (env: Record<string, string>) =>
  Effect.runSyncExit(
    Effect.provideService(
      checkConfig({ ...topologyConfigFields, ...workerSettingsConfigFields, ...adaptiveConcurrencyConfigFields }),
      ConfigProvider.ConfigProvider,
      ConfigProvider.fromEnv({ env })
    )
  )

describe("checkConfig", () => {
  it("passes the defaults", () => {
    expect(Exit.isSuccess(check({}))).toBe(true)
  })

  it("reports every bad value, one line each, named by its variable", () => {
    const exit = check({ WORKER_CONCURRENCY: "0", INGEST_ACK_WAIT: "30", INGEST_MAX_DELIVER: "x", SHUTDOWN_GRACE: "10s" })
    const error = Exit.isFailure(exit) ? Option.getOrUndefined(Cause.findErrorOption(exit.cause)) : undefined
    expect(error?.problems).toEqual([
      "INGEST_ACK_WAIT: \"30\" given; expected a duration like 500ms, 30s, 5m or 1h",
      "INGEST_MAX_DELIVER: \"x\" given; expected a number",
      "WORKER_CONCURRENCY: \"0\" given; expected a value between 1 and 500"
    ])
  })

  it("refuses a ceiling below its floor under the ceiling's own name, and each bad value once", () => {
    const problems = (env: Record<string, string>) => {
      const exit = check(env)
      return Exit.isFailure(exit) ? Option.getOrUndefined(Cause.findErrorOption(exit.cause))?.problems : []
    }
    expect(problems({ RACE_FETCH_MIN: "8", RACE_FETCH_MAX: "4" })).toEqual([
      "RACE_FETCH_MAX: \"4\" given; expected a value between 8 and 256"
    ])
    expect(problems({ INGEST_RETRY_BASE: "10s", INGEST_RETRY_MAX: "1s" })).toEqual([
      "INGEST_RETRY_MAX: \"1s\" given; expected a duration between 10s and 1d"
    ])
    // A bad floor is reported as itself; the ceiling is then checked against the floor's default.
    expect(problems({ RACE_FETCH_MIN: "0", RACE_FETCH_MAX: "4" })).toEqual([
      "RACE_FETCH_MIN: \"0\" given; expected a value between 1 and 256"
    ])
    expect(problems({ RACE_FETCH_MIN: "4", RACE_FETCH_MAX: "4" })).toEqual([])
  })
})
