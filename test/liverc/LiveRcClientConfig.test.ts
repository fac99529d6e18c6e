import { ConfigProvider, Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import { LiveRcClientConfig } from "../../src/liverc/LiveRcClient.ts"

/** The LiveRC client's integer settings are bounded: a typo fails at start, not mid-crawl. */

const read = (env: Record<string, string>) =>
  Effect.runSyncExit(Effect.gen(function*() {
    return yield* LiveRcClientConfig
  }).pipe(Effect.provideService(ConfigProvider.ConfigProvider, ConfigProvider.fromEnv({ env }))))

describe("LiveRcClientConfig", () => {
  it("defaults to 8 MiB pages and 4 attempts", () => {
    const exit = read({})
    expect(Exit.isSuccess(exit) && exit.value.maxPageBytes).toBe(8 * 1024 * 1024)
    expect(Exit.isSuccess(exit) && exit.value.maxAttempts).toBe(4)
  })

  it("accepts LIVERC_MAX_PAGE_BYTES in 64 KiB..64 MiB and LIVERC_MAX_ATTEMPTS in 1..20", () => {
    const accepted: ReadonlyArray<Record<string, string>> = [
      { LIVERC_MAX_PAGE_BYTES: String(64 * 1024) },
      { LIVERC_MAX_PAGE_BYTES: String(64 * 1024 * 1024) },
      { LIVERC_MAX_ATTEMPTS: "1" },
      { LIVERC_MAX_ATTEMPTS: "20" }
    ]
    for (const env of accepted) expect(Exit.isSuccess(read(env)), JSON.stringify(env)).toBe(true)
  })

  it("refuses values outside the bounds", () => {
    const refused: ReadonlyArray<Record<string, string>> = [
      { LIVERC_MAX_PAGE_BYTES: "-5" },
      { LIVERC_MAX_PAGE_BYTES: "0" },
      { LIVERC_MAX_PAGE_BYTES: String(64 * 1024 - 1) },
      { LIVERC_MAX_PAGE_BYTES: String(64 * 1024 * 1024 + 1) },
      { LIVERC_MAX_PAGE_BYTES: "8MB" },
      { LIVERC_MAX_ATTEMPTS: "0" },
      { LIVERC_MAX_ATTEMPTS: "-1" },
      { LIVERC_MAX_ATTEMPTS: "21" },
      { LIVERC_MAX_ATTEMPTS: "2.5" }
    ]
    for (const env of refused) expect(Exit.isFailure(read(env)), JSON.stringify(env)).toBe(true)
  })
})
