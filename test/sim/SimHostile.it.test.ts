import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { hostilePage, hostilePageKinds } from "../../src/sim/HostilePages.ts"
import { InvalidSimConfig } from "../../src/sim/SimConfig.ts"
import { type RunningSimulator, startSimulator } from "../../src/sim/SimServer.ts"

/** The simulator serves hostile pages on demand: `hostileRules` map a race id or a robots.txt to one. */

describe("simulator hostile pages", () => {
  let sim: RunningSimulator
  beforeAll(async () => {
    sim = await startSimulator()
  })
  afterAll(() => sim.close())

  const raceUrl = (id: string) => `${sim.trackUrl("riverside-rc")}/results/?p=view_race_result&id=${id}`

  it("answers the hostile page for a matching race id, and the real one for the others", async () => {
    const normal = await (await fetch(raceUrl("3189112105"))).text()
    sim.configure({ hostileRules: [{ match: "[?&]id=3189112106$", page: "self-closing-attr", bytes: 1_200_000 }] })
    try {
      const response = await fetch(raceUrl("3189112106"))
      expect(response.status).toBe(200)
      expect(response.headers.get("etag")).toBeNull()
      const body = await response.text()
      expect(body).toBe(hostilePage("self-closing-attr", 1_200_000))
      expect(body.length).toBeGreaterThanOrEqual(1_200_000)
      expect(await (await fetch(raceUrl("3189112105"))).text()).toBe(normal)
    } finally {
      sim.configure({ hostileRules: [] })
    }
    expect(await (await fetch(raceUrl("3189112106"))).text()).not.toContain(`<div a="/>">`)
  })

  it("serves a hostile robots.txt as text/plain", async () => {
    sim.configure({ hostileRules: [{ match: "/robots\\.txt$", page: "robots-agents", bytes: 480_025 }] })
    try {
      const response = await fetch(`${sim.trackUrl("riverside-rc")}/robots.txt`)
      expect(response.headers.get("content-type")).toMatch(/^text\/plain/)
      const body = await response.text()
      expect(body.split("User-agent:").length - 1).toBe(40_000)
    } finally {
      sim.configure({ hostileRules: [] })
    }
  })

  it("builds every kind of hostile page, and refuses bad rules", () => {
    for (const kind of hostilePageKinds) {
      const page = hostilePage(kind, 100_000)
      expect(page.length, kind).toBeGreaterThanOrEqual(90_000)
      expect(page.length, kind).toBeLessThan(130_000)
    }
    expect(() => sim.configure({ hostileRules: [{ match: "(", page: "deep-divs", bytes: 10 }] })).toThrow(InvalidSimConfig)
    expect(() => sim.configure({ hostileRules: [{ match: "x", page: "deep-divs", bytes: 0 }] })).toThrow(InvalidSimConfig)
    expect(() => sim.configure({ hostileRules: [{ match: "x", page: "nonsense" as "deep-divs", bytes: 10 }] })).toThrow(InvalidSimConfig)
  })
})
