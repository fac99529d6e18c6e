import { ConfigProvider, Effect, Exit } from "effect"
import { describe, expect, it } from "vitest"
import { DEFAULT_GROUP, makeHostGrouper, ThrottleConfig } from "../../src/throttle/ThrottleConfig.ts"

const load = (env: Record<string, string>) => Effect.runSyncExit(ThrottleConfig.parse(ConfigProvider.fromEnv({ env })))

describe("ThrottleConfig", () => {
  it("defaults to 10 requests/s with a burst of 3, batches of 4, one group for every host", () => {
    const settings = load({})
    expect(settings).toEqual(Exit.succeed({ ratePerSec: 10, burst: 3, batch: 4, groups: [] }))
  })

  it("reads the rate, burst, batch and group rules from the environment", () => {
    const exit = load({
      LIVERC_RATE_PER_SEC: "2.5",
      LIVERC_BURST: "5",
      LIVERC_THROTTLE_BATCH: "8",
      LIVERC_THROTTLE_GROUPS: "*.liverc.com=liverc, 127.0.0.1:*=sim"
    })
    expect(exit).toEqual(Exit.succeed({
      ratePerSec: 2.5,
      burst: 5,
      batch: 8,
      groups: [{ pattern: "*.liverc.com", group: "liverc" }, { pattern: "127.0.0.1:*", group: "sim" }]
    }))
  })

  it("refuses a zero rate, a burst below 2 and malformed group rules", () => {
    expect(Exit.isFailure(load({ LIVERC_RATE_PER_SEC: "0" }))).toBe(true)
    expect(Exit.isFailure(load({ LIVERC_BURST: "1" }))).toBe(true)
    expect(Exit.isFailure(load({ LIVERC_THROTTLE_GROUPS: "*.liverc.com" }))).toBe(true)
    expect(Exit.isFailure(load({ LIVERC_THROTTLE_GROUPS: "*.liverc.com=bad group" }))).toBe(true)
  })
})

describe("makeHostGrouper", () => {
  it("puts every host in the default group when there are no rules", () => {
    const grouper = makeHostGrouper([])
    expect(grouper.groups).toEqual([DEFAULT_GROUP])
    expect(grouper.groupOf("canberraoffroad.liverc.com")).toBe(DEFAULT_GROUP)
    expect(grouper.groupOf("127.0.0.1:4010")).toBe(DEFAULT_GROUP)
  })

  it("uses the first matching pattern, case-insensitively, host and port as in the URL", () => {
    const grouper = makeHostGrouper([
      { pattern: "live.liverc.com", group: "catalogue" },
      { pattern: "*.liverc.com", group: "tracks" },
      { pattern: "127.0.0.1:*", group: "sim" }
    ])
    expect(grouper.groups).toEqual([DEFAULT_GROUP, "catalogue", "tracks", "sim"])
    expect(grouper.groupOf("LIVE.liverc.com")).toBe("catalogue")
    expect(grouper.groupOf("bbrcc.liverc.com")).toBe("tracks")
    expect(grouper.groupOf("127.0.0.1:4010")).toBe("sim")
    expect(grouper.groupOf("bbrcc.liverc.com.evil.example")).toBe(DEFAULT_GROUP)
  })
})
