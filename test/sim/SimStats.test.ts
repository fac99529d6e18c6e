import { describe, expect, it } from "vitest"
import { SlidingWindowLimiter } from "../../src/sim/RateLimiter.ts"
import { SimStats } from "../../src/sim/SimStats.ts"

describe("SlidingWindowLimiter", () => {
  it("admits at most the limit in any 1-second window and says how long to wait", () => {
    const limiter = new SlidingWindowLimiter()
    const admitted = Array.from({ length: 10 }, (_, i) => limiter.admit(1_000 + i * 10, 5).admitted)
    expect(admitted.filter(Boolean)).toHaveLength(5)
    const refused = limiter.admit(1_200, 5)
    expect(refused).toEqual({ admitted: false, waitMs: 800 })
    // The first request leaves the window exactly one second after it came in.
    expect(limiter.admit(2_000, 5).admitted).toBe(true)
    expect(limiter.admit(2_001, 5).admitted).toBe(false)
  })

  it("admits everything without a limit", () => {
    const limiter = new SlidingWindowLimiter()
    expect(Array.from({ length: 1000 }, () => limiter.admit(5, null).admitted).every(Boolean)).toBe(true)
  })
})

describe("SimStats", () => {
  it("tracks concurrency, its peak, statuses, 304s and bytes", () => {
    const stats = new SimStats()
    stats.arrive()
    stats.begin()
    stats.arrive()
    stats.begin()
    stats.record("race-result", "200", 100)
    stats.end()
    stats.record("race-result", "304", 0)
    stats.end()
    stats.arrive()
    stats.record("not-found", "404", 10)
    const snapshot = stats.snapshot()
    expect(snapshot.total).toBe(3)
    expect(snapshot.peakConcurrency).toBe(2)
    expect(snapshot.inFlight).toBe(0)
    expect(snapshot.notModified).toBe(1)
    expect(snapshot.bytesSent).toBe(110)
    expect(snapshot.byKind["race-result"]).toEqual({ total: 2, byStatus: { "200": 1, "304": 1 } })
    expect(snapshot.byStatus).toEqual({ "200": 1, "304": 1, "404": 1 })
    expect(snapshot.maxRequestsInAnySecond).toBe(3)
    expect(snapshot.perSecond.reduce((sum, bucket) => sum + bucket.requests, 0)).toBe(3)
  })

  it("starts afresh on reset but keeps requests still in flight", () => {
    const stats = new SimStats()
    stats.arrive()
    stats.begin()
    stats.reset()
    const snapshot = stats.snapshot()
    expect(snapshot.total).toBe(0)
    expect(snapshot.maxRequestsInAnySecond).toBe(0)
    expect(snapshot.inFlight).toBe(1)
  })
})
