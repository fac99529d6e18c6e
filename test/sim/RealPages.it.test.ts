import { readFileSync } from "node:fs"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parseEventPage } from "../../src/liverc/EventPageParser.ts"
import { parseRaceResult } from "../../src/liverc/RaceResultParser.ts"
import { type RunningSimulator, startSimulator } from "../../src/sim/SimServer.ts"

const captured = (path: string) => readFileSync(new URL(`../../src/sim/captured/${path}`, import.meta.url))

const bytesOf = async (url: string) => {
  const response = await fetch(url)
  expect(response.status, url).toBe(200)
  return Buffer.from(await response.arrayBuffer())
}

describe("simulator real pages", () => {
  let sim: RunningSimulator
  beforeAll(async () => {
    sim = await startSimulator()
  })
  afterAll(() => sim.close())

  it("serves every captured page byte for byte at its LiveRC address", async () => {
    const pages: ReadonlyArray<readonly [string, string]> = [
      ["/", "track_catalogue.html"],
      ["/t/canberraoffroad/", "canberraoffroad_dashboard.html"],
      ["/t/bbrcc/", "bbrcc_dashboard.html"],
      ["/t/canberraoffroad/events", "canberraoffroad_events.html"],
      ["/t/canberraoffroad/results/", "canberraoffroad_events.html"],
      ["/t/canberraoffroad/results/?p=view_event&id=486677", "event-486677/event.html"],
      ["/t/canberraoffroad/results/?p=view_race_result&id=6304829", "event-486677/race.6304829.html"],
      ["/t/canberraoffroad/results/?p=view_race_result&id=6304822", "event-486677/race.6304822.html"]
    ]
    for (const [path, file] of pages) {
      expect((await bytesOf(`${sim.url}${path}`)).equals(captured(file)), path).toBe(true)
    }
  })

  it("serves the real event and race pages under any track slug and with %5F in the page name", async () => {
    expect((await bytesOf(`${sim.trackUrl("anytrack")}/results/?p=view_event&id=486677`)).equals(captured("event-486677/event.html"))).toBe(true)
    expect(
      (await bytesOf(`${sim.trackUrl("other")}/results/?p=view%5Frace%5Fresult&id=6304829`)).equals(captured("event-486677/race.6304829.html"))
    ).toBe(true)
  })

  it("serves event 486677's other 30 races as synthetic pages agreeing with the real event page", async () => {
    const eventUrl = `${sim.trackUrl("canberraoffroad")}/results/?p=view_event&id=486677`
    const event = await Effect.runPromise(parseEventPage((await bytesOf(eventUrl)).toString("utf8"), eventUrl))
    expect(event.races).toHaveLength(32)
    const synthetic = event.races.filter((race) => race.raceId !== "6304829" && race.raceId !== "6304822")
    expect(synthetic).toHaveLength(30)
    for (const listed of synthetic) {
      const url = `${sim.trackUrl("canberraoffroad")}/results/?p=view_race_result&id=${listed.raceId}`
      const race = await Effect.runPromise(parseRaceResult((await bytesOf(url)).toString("utf8"), url))
      expect([race.raceNumber, race.className, race.round], listed.raceId).toEqual([listed.raceNumber, listed.label, listed.round])
      expect(race.results.length).toBeGreaterThan(0)
    }
  })

  it("serves a synthetic catalogue of N tracks instead of the real one when asked", async () => {
    sim.configure({ tracks: 25 })
    try {
      const body = (await bytesOf(`${sim.url}/`)).toString("utf8")
      expect(body.match(/<tr class="clickable-row"/g)).toHaveLength(25)
      // Real track sites are still there.
      expect((await bytesOf(`${sim.url}/t/bbrcc/`)).equals(captured("bbrcc_dashboard.html"))).toBe(true)
    } finally {
      sim.configure({ tracks: null })
    }
    expect((await bytesOf(`${sim.url}/`)).equals(captured("track_catalogue.html"))).toBe(true)
  })
})
