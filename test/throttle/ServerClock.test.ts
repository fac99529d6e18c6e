import { describe, expect, it } from "vitest"
import { DRIFT, estimate, lagBound, millisUntil, observed, synced } from "../../src/throttle/ServerClock.ts"

const prng = (seed: number) => () => {
  seed = (seed * 1664525 + 1013904223) >>> 0
  return seed / 2 ** 32
}

describe("ServerClock", () => {
  // A server whose clock is 2 s ahead of ours and runs 400 ppm fast, and messages that take
  // 0-20 ms each way: the estimate must never pass the server, and must stay within its lag bound.
  for (const [offset, ppm] of [[2000, 400], [-2000, -400], [0, 0]] as const) {
    it(`never runs ahead of a server ${offset} ms off and ${ppm} ppm fast, and lags it by at most the bound`, () => {
      const random = prng(offset + ppm + 7)
      const server = (local: number) => 1.7e12 + offset + local * (1 + ppm / 1e6)
      let local = 1000
      const sentAt = local
      local += random() * 20
      const created = Math.floor(server(local))
      local += random() * 20
      let clock = synced(created, sentAt, local)
      for (let i = 0; i < 2000; i++) {
        local += random() * 10
        if (random() < 0.3) {
          // Someone else's write, read by us a little later.
          const writtenAt = local
          local += random() * 20
          clock = observed(clock, Math.floor(server(writtenAt)), local)
        }
        const estimated = estimate(clock, local)
        expect(estimated).toBeLessThanOrEqual(server(local))
        expect(server(local) - estimated).toBeLessThanOrEqual(lagBound(clock, local) + 1)
      }
    })
  }

  it("is not lowered by an old entry read late", () => {
    const clock = synced(10_000, 0, 2)
    expect(observed(clock, 5_000, 500)).toBe(clock)
    expect(observed(clock, 10_600, 500).offset).toBeGreaterThan(clock.offset)
  })

  it("grows its lag bound with the time since the last sync", () => {
    const clock = synced(10_000, 0, 4)
    expect(lagBound(clock, 4)).toBeCloseTo(4 * (1 + DRIFT))
    expect(lagBound(clock, 5004)).toBeCloseTo(4 * (1 + DRIFT) + 2 * DRIFT * 5000)
  })

  it("converts a server time into a local wait", () => {
    const clock = synced(10_000, 0, 0)
    expect(millisUntil(clock, 0, 10_100)).toBeCloseTo(100 / (1 - DRIFT))
    expect(millisUntil(clock, 0, 9_000)).toBe(0)
  })
})
