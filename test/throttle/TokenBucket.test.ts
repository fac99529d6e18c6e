import { Option } from "effect"
import { describe, expect, it } from "vitest"
import {
  capacityFor,
  decodeBucketState,
  DELIVERY_JITTER_MILLIS,
  encodeBucketState,
  jitterAllowanceMillis,
  LIMIT_LEASE_MILLIS,
  mergeLimits,
  reserve,
  validityMillis
} from "../../src/throttle/TokenBucket.ts"

/** A small deterministic PRNG, so a failing random scenario replays exactly. */
const prng = (seed: number) => () => {
  seed = (seed * 1664525 + 1013904223) >>> 0
  return seed / 2 ** 32
}

const maxInClosedWindow = (times: ReadonlyArray<number>, windowMillis: number) => {
  const sorted = [...times].sort((a, b) => a - b)
  let best = 0
  let start = 0
  for (let end = 0; end < sorted.length; end++) {
    while (sorted[end]! - sorted[start]! > windowMillis) start++
    best = Math.max(best, end - start + 1)
  }
  return best
}

describe("reserve (GCRA)", () => {
  it("grants a burst of whole tokens at once from an idle bucket, then one per interval", () => {
    const r = reserve({ tat: 0, nowMs: 10_000, ratePerSec: 10, capacity: 3, count: 6, horizonMillis: 10_000 })
    expect(r.slots).toEqual([10_000, 10_000, 10_000, 10_100, 10_200, 10_300])
    expect(r.tat).toBe(10_600)
    expect(r.nextSlot).toBe(10_400)
  })

  it("continues where the last reservation left the bucket", () => {
    const first = reserve({ tat: 0, nowMs: 0, ratePerSec: 20, capacity: 1, count: 2, horizonMillis: 5000 })
    const second = reserve({ tat: first.tat, nowMs: 10, ratePerSec: 20, capacity: 1, count: 2, horizonMillis: 5000 })
    expect(first.slots).toEqual([0, 50])
    expect(second.slots).toEqual([100, 150])
  })

  it("never reserves a slot beyond the horizon and says when the next one fits", () => {
    const r = reserve({ tat: 5_000, nowMs: 4_000, ratePerSec: 10, capacity: 2, count: 50, horizonMillis: 1000 })
    expect(r.slots.length).toBeGreaterThan(0)
    expect(Math.max(...r.slots)).toBeLessThanOrEqual(5_000)
    expect(r.nextSlot).toBeGreaterThan(5_000)
    const none = reserve({ tat: 9_000, nowMs: 4_000, ratePerSec: 10, capacity: 2, count: 5, horizonMillis: 1000 })
    expect(none.slots).toEqual([])
    expect(none.nextSlot).toBe(8_900)
  })

  it("spaces slots further apart, never closer, when the capacity is below one", () => {
    const r = reserve({ tat: 0, nowMs: 0, ratePerSec: 10, capacity: 0.5, count: 3, horizonMillis: 10_000 })
    expect(r.slots[1]! - r.slots[0]!).toBeGreaterThanOrEqual(100)
    expect(r.slots[2]! - r.slots[1]!).toBeGreaterThanOrEqual(100)
  })

  // The bound of the module comment, checked by brute force: processes reserve batches at random
  // moments, use each slot up to D late, and no closed 1 s window ever sees more than R + B.
  for (const [rate, burst] of [[10, 3], [20, 3], [20, 8], [5, 2], [100, 5]] as const) {
    it(`keeps every 1 s window at ${rate} + ${burst} with tokens used up to D late (R=${rate}, B=${burst})`, () => {
      const random = prng(rate * 1000 + burst)
      const limits = { ratePerSec: rate, burst }
      const lateness = validityMillis(limits) + 3
      const capacity = capacityFor(limits, lateness)
      let tat = 0
      let now = 0
      const used: Array<number> = []
      while (now < 60_000) {
        // Idle spells (full bucket) and busy spells (empty bucket) alternate.
        now += random() < 0.02 ? random() * 3000 : random() * 20
        const count = 1 + Math.floor(random() * 8)
        const r = reserve({ tat, nowMs: now, ratePerSec: rate, capacity, count, horizonMillis: 1000 })
        tat = r.tat
        for (const slot of r.slots) used.push(slot + random() * lateness)
      }
      // Demand is high enough that the bucket is empty most of the time (the hard case).
      expect(used.length).toBeGreaterThan(rate * 60 * 0.5)
      expect(maxInClosedWindow(used, 1000)).toBeLessThanOrEqual(rate + burst)
    })
  }
})

describe("validity and capacity", () => {
  it("keeps the release window at most 25 ms and within half the burst's spare room", () => {
    expect(validityMillis({ ratePerSec: 10, burst: 3 })).toBe(25)
    expect(validityMillis({ ratePerSec: 100, burst: 3 })).toBe(10)
    expect(validityMillis({ ratePerSec: 1000, burst: 2 })).toBe(0.5)
  })

  it("takes the lateness out of the burst: C = B - R D", () => {
    expect(capacityFor({ ratePerSec: 20, burst: 3 }, 50)).toBeCloseTo(2)
  })

  it("allows for 50 ms of delivery jitter where the burst has room, and never so much that C drops below 1", () => {
    expect(jitterAllowanceMillis({ ratePerSec: 10, burst: 3 })).toBe(DELIVERY_JITTER_MILLIS)
    expect(jitterAllowanceMillis({ ratePerSec: 15, burst: 5 })).toBe(DELIVERY_JITTER_MILLIS)
    // 100/s with a burst of 5: 40 ms of room, 20 of them the release window, 5 the lag reserve.
    expect(jitterAllowanceMillis({ ratePerSec: 100, burst: 5 })).toBeCloseTo(15)
    expect(jitterAllowanceMillis({ ratePerSec: 1000, burst: 2 })).toBe(0)
    for (const limits of [{ ratePerSec: 10, burst: 3 }, { ratePerSec: 100, burst: 5 }, { ratePerSec: 20, burst: 2 }]) {
      const lateness = validityMillis(limits) + 5 + jitterAllowanceMillis(limits)
      expect(capacityFor(limits, lateness)).toBeGreaterThanOrEqual(1 - 1e-9)
    }
  })
})

// The promise holds where LiveRC sees the requests: each one arrives up to D late (release window,
// clock lag) plus up to the jitter allowance on the way, and still no 1 s window passes R + B.
describe("the bound at the receiver", () => {
  for (const [rate, burst] of [[10, 3], [15, 5], [20, 8], [100, 5]] as const) {
    it(`holds with delivery jitter up to the allowance (R=${rate}, B=${burst})`, () => {
      const random = prng(rate * 7 + burst)
      const limits = { ratePerSec: rate, burst }
      const lateness = validityMillis(limits) + 5 + jitterAllowanceMillis(limits)
      const capacity = capacityFor(limits, lateness)
      let tat = 0
      let now = 0
      const arrivals: Array<number> = []
      while (now < 60_000) {
        now += random() < 0.02 ? random() * 3000 : random() * 20
        const r = reserve({ tat, nowMs: now, ratePerSec: rate, capacity, count: 1 + Math.floor(random() * 8), horizonMillis: 1000 })
        tat = r.tat
        // Worst case for the window: some requests as early as allowed, others as late.
        for (const slot of r.slots) arrivals.push(slot + (random() < 0.5 ? 0 : lateness))
      }
      expect(maxInClosedWindow(arrivals, 1000)).toBeLessThanOrEqual(rate + burst)
    })
  }
})

describe("mergeLimits", () => {
  const state = (rate: number, burst: number, until: number) =>
    Option.some({ v: 1 as const, tat: 0, rate: { value: rate, until }, burst: { value: burst, until } })

  it("keeps a lower rate another process proposed while its lease runs", () => {
    const merged = mergeLimits(state(5, 2, 2_000), { ratePerSec: 20, burst: 3 }, 1_000)
    expect(merged.rate).toEqual({ value: 5, until: 2_000 })
    expect(merged.burst).toEqual({ value: 2, until: 2_000 })
  })

  it("puts its own setting in when it is the lower one, and renews the lease", () => {
    const merged = mergeLimits(state(20, 5, 2_000), { ratePerSec: 10, burst: 3 }, 1_000)
    expect(merged.rate).toEqual({ value: 10, until: 1_000 + LIMIT_LEASE_MILLIS })
    expect(merged.burst).toEqual({ value: 3, until: 1_000 + LIMIT_LEASE_MILLIS })
  })

  it("lets a higher setting take over once nobody renewed the lower one", () => {
    const merged = mergeLimits(state(5, 2, 2_000), { ratePerSec: 20, burst: 3 }, 2_001)
    expect(merged.rate.value).toBe(20)
    expect(merged.burst.value).toBe(3)
  })

  it("starts from its own setting on a fresh bucket", () => {
    expect(mergeLimits(Option.none(), { ratePerSec: 10, burst: 3 }, 0).rate.value).toBe(10)
  })
})

describe("bucket state encoding", () => {
  it("round-trips a state", () => {
    const state = { v: 1 as const, tat: 1.5e12, rate: { value: 10, until: 2e12 }, burst: { value: 3, until: 2e12 } }
    expect(decodeBucketState(encodeBucketState(state))).toEqual(Option.some(state))
  })

  it("reads garbage or a foreign shape as no state", () => {
    expect(decodeBucketState("on")).toEqual(Option.none())
    expect(decodeBucketState(JSON.stringify({ tokens: 3, ts: 5 }))).toEqual(Option.none())
    const negativeRate = { v: 1, tat: 0, rate: { value: -1, until: 0 }, burst: { value: 3, until: 0 } }
    expect(decodeBucketState(JSON.stringify(negativeRate))).toEqual(Option.none())
  })
})
