import { Cause, ConfigProvider, Effect, Exit, Option } from "effect"
import { describe, expect, it } from "vitest"
import { workerSettingsConfigFields } from "../../src/actors/WorkerSettings.ts"
import { checkConfig } from "../../src/config/ConfigCheck.ts"
import { topologyConfigFields } from "../../src/queue/Topology.ts"

const check = (env: Record<string, string>) =>
  Effect.runSyncExit(
    Effect.provideService(
      checkConfig({ ...topologyConfigFields, ...workerSettingsConfigFields }),
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
      "INGEST_ACK_WAIT: a duration like 500ms, 30s, 5m or 1h",
      "INGEST_MAX_DELIVER: Expected a string representing a finite number",
      "WORKER_CONCURRENCY: Expected a value between 1 and 500"
    ])
  })
})
