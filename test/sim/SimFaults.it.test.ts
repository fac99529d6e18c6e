import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import { type RunningSimulator, startSimulator } from "../../src/sim/SimServer.ts"

const noFaults = { rate429: 0, rate503: 0, resetRate: 0, hangRate: 0, truncateRate: 0, malformRate: 0 }

const fetchPage = async (url: string) => {
  const response = await fetch(url)
  return {
    status: response.status,
    etag: response.headers.get("etag"),
    retryAfter: response.headers.get("retry-after"),
    body: Buffer.from(await response.arrayBuffer())
  }
}

type Outcome = "ok" | "429" | "503" | "truncated" | "malformed" | "other"

describe("simulator fault injection", () => {
  let sim: RunningSimulator
  let url: string
  let full: Buffer
  beforeAll(async () => {
    sim = await startSimulator()
    url = `${sim.trackUrl("riverside-rc")}/results/?p=view_race_result&id=3189112105`
    full = (await fetchPage(url)).body
  })
  beforeEach(() => {
    sim.configure({ faults: noFaults })
    sim.resetStats()
  })
  afterAll(() => sim.close())

  const classify = (result: Awaited<ReturnType<typeof fetchPage>>): Outcome => {
    if (result.status === 429 || result.status === 503) return String(result.status) as Outcome
    if (result.status !== 200) return "other"
    if (result.body.equals(full)) return result.etag === null ? "other" : "ok"
    if (result.etag !== null) return "other"
    return full.subarray(0, result.body.byteLength).equals(result.body) ? "truncated" : "malformed"
  }

  it("injects 429, 503, truncated and malformed pages at about the configured rates", async () => {
    sim.configure({ faults: { ...noFaults, rate429: 0.1, rate503: 0.1, truncateRate: 0.1, malformRate: 0.1 } })
    const outcomes: Array<Outcome> = []
    for (let batch = 0; batch < 20; batch++) {
      const results = await Promise.all(Array.from({ length: 30 }, () => fetchPage(url)))
      for (const result of results) {
        outcomes.push(classify(result))
        if (result.status === 429 || result.status === 503) expect(result.retryAfter).toBe("1")
      }
    }
    const counts = Object.fromEntries((["ok", "429", "503", "truncated", "malformed", "other"] as const).map((o) => [o, outcomes.filter((x) => x === o).length]))
    expect(counts["other"]).toBe(0)
    for (const fault of ["429", "503", "truncated", "malformed"]) {
      expect(counts[fault], fault).toBeGreaterThanOrEqual(35)
      expect(counts[fault], fault).toBeLessThanOrEqual(85)
    }
    expect(counts["ok"]).toBeGreaterThanOrEqual(300)
    const injected = sim.stats().faults
    expect(injected).toEqual({ status429: counts["429"], status503: counts["503"], truncate: counts["truncated"], malform: counts["malformed"] })
  })

  it("draws the same faults in the same order for the same fault seed", async () => {
    const faults = { ...noFaults, rate429: 0.2, rate503: 0.2, truncateRate: 0.2 }
    const sequence = async (target: RunningSimulator) => {
      const statuses: Array<Outcome> = []
      for (let i = 0; i < 40; i++) statuses.push(classify(await fetchPage(`${target.trackUrl("riverside-rc")}/results/?p=view_race_result&id=3189112105`)))
      return statuses
    }
    const a = await startSimulator({ config: { faults, faultSeed: 9 } })
    const b = await startSimulator({ config: { faults, faultSeed: 9 } })
    try {
      const first = await sequence(a)
      expect(await sequence(b)).toEqual(first)
      expect(new Set(first).size).toBeGreaterThan(2)
    } finally {
      await a.close()
      await b.close()
    }
  })

  it("resets connections", async () => {
    sim.configure({ faults: { ...noFaults, resetRate: 1 } })
    const failures = await Promise.allSettled(Array.from({ length: 5 }, () => fetchPage(url)))
    expect(failures.every((f) => f.status === "rejected")).toBe(true)
    expect(sim.stats().faults).toEqual({ reset: 5 })
    expect(sim.stats().byKind["race-result"]?.byStatus).toEqual({ reset: 5 })
  })

  it("hangs without answering until the client gives up, and still closes promptly", async () => {
    sim.configure({ faults: { ...noFaults, hangRate: 1 } })
    const started = performance.now()
    await expect(fetch(url, { signal: AbortSignal.timeout(300) })).rejects.toThrow()
    expect(performance.now() - started).toBeGreaterThanOrEqual(290)
    await new Promise((resolve) => setTimeout(resolve, 50))
    const stats = sim.stats()
    expect(stats.faults).toEqual({ hang: 1 })
    expect(stats.inFlight).toBe(0)

    const other = await startSimulator({ config: { faults: { ...noFaults, hangRate: 1 } } })
    const pending = fetch(`${other.trackUrl("riverside-rc")}/`)
    await new Promise((resolve) => setTimeout(resolve, 100))
    expect(other.stats().inFlight).toBe(1)
    await other.close()
    await expect(pending).rejects.toThrow()
  })

  it("breaks every request matching a fault rule, and only those, whatever the rates", async () => {
    const other = `${sim.trackUrl("riverside-rc")}/results/?p=view_race_result&id=3189112106`
    sim.configure({ faultRules: [{ match: "view_race_result&id=3189112105$", fault: "truncate" }] })
    try {
      const broken = await Promise.all(Array.from({ length: 5 }, () => fetchPage(url)))
      for (const result of broken) expect(classify(result)).toBe("truncated")
      expect((await fetchPage(other)).etag).not.toBeNull()
      expect(sim.stats().faults).toEqual({ truncate: 5 })
      expect(() => sim.configure({ faultRules: [{ match: "(", fault: "reset" }] })).toThrow(/not a regular expression/)
    } finally {
      sim.configure({ faultRules: [] })
    }
    expect(classify(await fetchPage(url))).toBe("ok")
  })
  it("answers 404 to the pages a status404 rule matches, as for pages LiveRC does not have", async () => {
    const side = (path: string) => `${sim.trackUrl("canberraoffroad")}/results/?${path}`
    const points = side("p=view_points&id=7070446")
    const ranking = side("p=event_overall_ranking&id=486677")
    expect((await fetchPage(points)).status).toBe(200)
    sim.configure({ faultRules: [{ match: "p=view_points&", fault: "status404" }] })
    try {
      const missing = await fetchPage(points)
      expect([missing.status, missing.etag]).toEqual([404, null])
      expect((await fetchPage(ranking)).status).toBe(200)
      expect(sim.stats().faults).toEqual({ status404: 1 })
      expect(sim.stats().byKind["points"]?.byStatus).toEqual({ "200": 1, "404": 1 })
    } finally {
      sim.configure({ faultRules: [] })
    }
    expect((await fetchPage(points)).status).toBe(200)
  })
})
