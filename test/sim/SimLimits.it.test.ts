import { setTimeout as sleep } from "node:timers/promises"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { type RunningSimulator, startSimulator } from "../../src/sim/SimServer.ts"

const hit = async (url: string) => {
  const started = performance.now()
  const response = await fetch(url)
  await response.arrayBuffer()
  return { status: response.status, retryAfter: response.headers.get("retry-after"), ms: performance.now() - started }
}

const burst = (url: string, count: number) => Promise.all(Array.from({ length: count }, () => hit(url)))

const countBy = <A>(items: ReadonlyArray<A>, key: (a: A) => string | number) =>
  items.reduce<Record<string, number>>((acc, item) => ({ ...acc, [key(item)]: (acc[key(item)] ?? 0) + 1 }), {})

describe("simulator limits, latency and stats", () => {
  let sim: RunningSimulator
  let page: string
  beforeAll(async () => {
    sim = await startSimulator()
    page = `${sim.trackUrl("riverside-rc")}/`
  })
  beforeEach(() => {
    sim.configure({ rateLimit: null, capacity: null, latency: { fixedMs: 0 }, latencyRules: [], retryAfterSeconds: 1 })
    sim.resetStats()
  })
  afterAll(() => sim.close())

  it("refuses requests beyond the rate limit with 429 and Retry-After, and admits again a second later", async () => {
    sim.configure({ rateLimit: 20 })
    const results = await burst(page, 50)
    expect(countBy(results, (r) => r.status)).toEqual({ 200: 20, 429: 30 })
    for (const refused of results.filter((r) => r.status === 429)) expect(Number(refused.retryAfter)).toBeGreaterThanOrEqual(1)
    const stats = sim.stats()
    expect(stats.limited).toEqual({ rate: 30, capacity: 0 })
    expect(stats.byKind["track-dashboard"]?.byStatus).toEqual({ "200": 20, "429": 30 })
    await sleep(1_100)
    expect((await hit(page)).status).toBe(200)

    sim.configure({ rateLimit: null })
    expect(countBy(await burst(page, 50), (r) => r.status)).toEqual({ 200: 50 })
  })

  it("refuses requests beyond its concurrency capacity with 429 and the configured Retry-After", async () => {
    sim.configure({ capacity: 3, latency: { fixedMs: 300 }, retryAfterSeconds: 2 })
    const results = await burst(page, 10)
    expect(countBy(results, (r) => r.status)).toEqual({ 200: 3, 429: 7 })
    expect(results.filter((r) => r.status === 429).map((r) => r.retryAfter)).toEqual(Array(7).fill("2"))
    const stats = sim.stats()
    expect(stats.peakConcurrency).toBe(3)
    expect(stats.limited).toEqual({ rate: 0, capacity: 7 })
  })

  it("reports peak concurrency and the busiest sliding 1-second window of a known load", async () => {
    sim.configure({ latency: { fixedMs: 150 } })
    await burst(page, 8)
    expect(sim.stats().peakConcurrency).toBe(8)
    expect(Math.max(...sim.stats().perSecond.map((bucket) => bucket.peakInFlight))).toBe(8)

    sim.configure({ latency: { fixedMs: 0 } })
    sim.resetStats()
    // 20 + 20 requests half a second apart: one sliding window holds all 40, whatever calendar
    // seconds they fall in.
    await burst(page, 20)
    await sleep(500)
    await burst(page, 20)
    await sleep(1_200)
    await burst(page, 15)
    const stats = sim.stats()
    expect(stats.total).toBe(55)
    expect(stats.maxRequestsInAnySecond).toBe(40)
    expect(stats.perSecond.reduce((sum, bucket) => sum + bucket.requests, 0)).toBe(55)
    for (const bucket of stats.perSecond) expect(bucket.requests).toBeLessThanOrEqual(40)
    expect(stats.inFlight).toBe(0)
  })

  it("answers after the configured latency", async () => {
    sim.configure({ latency: { fixedMs: 200 } })
    expect((await hit(page)).ms).toBeGreaterThanOrEqual(195)
    sim.configure({ latency: { minMs: 100, maxMs: 150 } })
    for (const result of await burst(page, 5)) expect(result.ms).toBeGreaterThanOrEqual(95)
    sim.configure({ latency: { meanMs: 120, jitterMs: 20 } })
    for (const result of await burst(page, 5)) expect(result.ms).toBeGreaterThanOrEqual(95)
  })

  it("slows only the requests a latency rule matches (three slow practice days)", async () => {
    sim.configure({ latencyRules: [{ match: "session_list&d=2025-10-(03|11|19)$", latency: { fixedMs: 700 } }] })
    const days = ["2025-10-03", "2025-10-04", "2025-10-11", "2025-10-12", "2025-10-19", "2025-10-20"]
    const finished: Array<string> = []
    const results = await Promise.all(days.map(async (day) => {
      const result = await hit(`${sim.trackUrl("riverside-rc")}/practice/?p=session_list&d=${day}`)
      finished.push(day)
      return { day, ...result }
    }))
    const slow = ["2025-10-03", "2025-10-11", "2025-10-19"]
    for (const result of results) {
      expect(result.status).toBe(200)
      if (slow.includes(result.day)) expect(result.ms).toBeGreaterThanOrEqual(695)
    }
    expect(finished.slice(0, 3).sort()).toEqual(["2025-10-04", "2025-10-12", "2025-10-20"])
  })
})
