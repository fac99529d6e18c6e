import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parseEventPage } from "../../src/liverc/EventPageParser.ts"
import { parseRaceResult } from "../../src/liverc/RaceResultParser.ts"
import { type RunningSimulator, simulatorScoped, startSimulator } from "../../src/sim/SimServer.ts"

const get = async (url: string, headers: Record<string, string> = {}) => {
  const response = await fetch(url, { headers })
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) }
}

const postJson = async (url: string, body: unknown) => {
  const response = await fetch(url, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
  return { status: response.status, json: (await response.json()) as any }
}

const syntheticPaths = [
  "/t/riverside-rc/",
  "/t/riverside-rc/events",
  "/t/riverside-rc/results/",
  "/t/riverside-rc/results/?p=view_event&id=31891121",
  "/t/riverside-rc/results/?p=view_entry_list&id=31891121",
  "/t/riverside-rc/results/?p=view_race_result&id=3189112105",
  "/t/riverside-rc/results/?p=view_multi_main_result&id=318911211",
  "/t/riverside-rc/results/?p=view_points&id=318911219",
  "/t/riverside-rc/results/?p=view_round_ranking&id=318911214&o=laps_time",
  "/t/riverside-rc/results/?p=event_overall_ranking&id=31891121",
  "/t/riverside-rc/practice/?p=calendar&d=2025-10",
  "/t/riverside-rc/practice/?p=session_list&d=2025-10-11",
  "/t/riverside-rc/robots.txt"
]

describe("simulator server", () => {
  let sim: RunningSimulator
  beforeAll(async () => {
    sim = await startSimulator({ config: { seed: 11, tracks: 40 } })
  })
  afterAll(() => sim.close())

  it("serves identical bytes for the same seed from separate simulators, and other bytes for another seed", async () => {
    const twin = await startSimulator({ config: { seed: 11, tracks: 40 } })
    const other = await startSimulator({ config: { seed: 12, tracks: 40 } })
    try {
      for (const path of ["/", ...syntheticPaths]) {
        const a = await get(`${sim.url}${path}`)
        const b = await get(`${twin.url}${path}`)
        expect(a.status, path).toBe(200)
        expect(a.body.equals(b.body), path).toBe(true)
        expect(a.headers.get("etag")).toBe(b.headers.get("etag"))
        expect(a.headers.get("last-modified")).toBe(b.headers.get("last-modified"))
      }
      const race = syntheticPaths[5] as string
      expect((await get(`${sim.url}${race}`)).body.equals((await get(`${other.url}${race}`)).body)).toBe(false)
    } finally {
      await twin.close()
      await other.close()
    }
  })

  it("answers 404 for unknown paths, invalid slugs, invalid ids and non-GET methods", async () => {
    for (
      const path of [
        "/nope",
        "/t/Bad/",
        "/t/x/results/?p=view_event&id=0",
        "/t/x/results/?p=view_event&id=abc",
        "/t/x/results/?p=view_race_result&id=99999999999999",
        "/t/x/results/?p=view_heat_sheet&id=1",
        "/t/x/practice/?p=session_list&d=2025-02-30"
      ]
    ) {
      expect((await get(`${sim.url}${path}`)).status, path).toBe(404)
    }
    const post = await fetch(`${sim.url}/t/x/`, { method: "POST" })
    expect(post.status).toBe(404)
    expect(sim.stats().byKind["not-found"]?.byStatus["404"]).toBeGreaterThanOrEqual(8)
  })

  it("answers conditional requests with 304 and no body, by ETag or by date", async () => {
    const url = `${sim.url}${syntheticPaths[3]}`
    const first = await get(url)
    const etag = first.headers.get("etag") as string
    const lastModified = first.headers.get("last-modified") as string
    expect(etag).toMatch(/^"[\w-]+"$/)
    expect(Number.isNaN(Date.parse(lastModified))).toBe(false)
    sim.resetStats()
    const byTag = await get(url, { "if-none-match": etag })
    expect(byTag.status).toBe(304)
    expect(byTag.body.byteLength).toBe(0)
    expect(byTag.headers.get("etag")).toBe(etag)
    expect((await get(url, { "if-none-match": `"other", W/${etag}` })).status).toBe(304)
    expect((await get(url, { "if-modified-since": lastModified })).status).toBe(304)
    expect((await get(url, { "if-modified-since": new Date(Date.parse(lastModified) - 1000).toUTCString() })).status).toBe(200)
    // If-None-Match wins: a stale tag gets the page even with a fresh date.
    expect((await get(url, { "if-none-match": "\"stale\"", "if-modified-since": lastModified })).status).toBe(200)
    expect(sim.stats().notModified).toBe(3)
  })

  it("mutates a race result on demand: a corrected time with a new ETag and Last-Modified", async () => {
    const url = `${sim.url}${syntheticPaths[5]}`
    const before = await get(url)
    const parsedBefore = await Effect.runPromise(parseRaceResult(before.body.toString("utf8"), url))
    const result = await postJson(`${sim.url}/__sim/mutate`, { kind: "race-result", id: "3189112105", track: "riverside-rc" })
    expect(result.status).toBe(200)
    expect(result.json).toMatchObject({ kind: "race-result", revision: 1 })
    const after = await get(url, { "if-none-match": before.headers.get("etag") as string })
    expect(after.status).toBe(200)
    expect(after.headers.get("etag")).toBe(result.json.etag)
    expect(Date.parse(after.headers.get("last-modified") as string)).toBeGreaterThan(Date.parse(before.headers.get("last-modified") as string))
    expect((await get(url, { "if-modified-since": before.headers.get("last-modified") as string })).status).toBe(200)
    const parsedAfter = await Effect.runPromise(parseRaceResult(after.body.toString("utf8"), url))
    const lapTimes = (race: typeof parsedAfter) => race.results.flatMap((row) => row.laps.map((lap) => lap.timeMs))
    const changed = lapTimes(parsedAfter).filter((time, i) => time !== lapTimes(parsedBefore)[i])
    expect(changed).toHaveLength(1)
    expect(parsedAfter).toEqual(sim.data().raceResult("3189112105").model)
  })

  it("mutates a real race page consistently and an event by adding a race", async () => {
    const raceUrl = `${sim.url}/t/canberraoffroad/results/?p=view_race_result&id=6304829`
    const before = await Effect.runPromise(parseRaceResult((await get(raceUrl)).body.toString("utf8"), raceUrl))
    sim.mutate({ kind: "race-result", id: "6304829" })
    const after = await Effect.runPromise(parseRaceResult((await get(raceUrl)).body.toString("utf8"), raceUrl))
    expect(after.results[0]?.totalTimeMs).toBe((before.results[0]?.totalTimeMs ?? 0) + 100)
    expect(after.results[0]?.laps.at(-1)?.timeMs).toBe((before.results[0]?.laps.at(-1)?.timeMs ?? 0) + 100)

    const eventUrl = `${sim.url}${syntheticPaths[3]}`
    const eventBefore = await Effect.runPromise(parseEventPage((await get(eventUrl)).body.toString("utf8"), eventUrl))
    sim.mutate({ kind: "event", id: "31891121" })
    const eventAfter = await Effect.runPromise(parseEventPage((await get(eventUrl)).body.toString("utf8"), eventUrl))
    expect(eventAfter.races).toHaveLength(eventBefore.races.length + 1)
    const added = eventAfter.races.find((race) => !eventBefore.races.some((old) => old.raceId === race.raceId))
    expect(added).toBeDefined()
    const addedUrl = `${sim.url}/t/riverside-rc/results/?p=view_race_result&id=${added?.raceId}`
    const addedRace = await Effect.runPromise(parseRaceResult((await get(addedUrl)).body.toString("utf8"), addedUrl))
    expect([addedRace.raceNumber, addedRace.className, addedRace.round]).toEqual([added?.raceNumber, added?.label, added?.round])
  })

  it("switches knobs while running through the control endpoint and refuses bad ones", async () => {
    const eventUrl = `${sim.url}/t/riverside-rc/results/?p=view_event&id=777`
    const races = async () => (await Effect.runPromise(parseEventPage((await get(eventUrl)).body.toString("utf8"), eventUrl))).races.length
    expect(await races()).toBe(12)
    const patched = await postJson(`${sim.url}/__sim/config`, { racesPerEvent: 3 })
    expect(patched.status).toBe(200)
    expect(patched.json.racesPerEvent).toBe(3)
    expect(await races()).toBe(3)
    expect((await (await fetch(`${sim.url}/__sim/config`)).json() as any).racesPerEvent).toBe(3)

    const bad = await postJson(`${sim.url}/__sim/config`, { racesPerEvent: 0, latency: { fixedMs: -1 } })
    expect(bad.status).toBe(400)
    expect(bad.json.error.tag).toBe("InvalidSimConfig")
    expect((await postJson(`${sim.url}/__sim/config`, { faults: { rate429: 0.7, rate503: 0.7 } })).status).toBe(400)
    expect((await postJson(`${sim.url}/__sim/config`, { latencyRules: [{ match: "(", latency: { fixedMs: 1 } }] })).status).toBe(400)
    expect((await postJson(`${sim.url}/__sim/mutate`, { kind: "race-result", id: "../x" })).json.error.tag).toBe("InvalidMutation")
    expect((await fetch(`${sim.url}/__sim/nothing`)).status).toBe(404)
    sim.configure({ racesPerEvent: 12 })
    expect(await races()).toBe(12)
  })

  it("resets its stats through the control endpoint", async () => {
    await get(`${sim.url}/t/riverside-rc/`)
    expect(((await (await fetch(`${sim.url}/__sim/stats`)).json()) as any).total).toBeGreaterThan(0)
    expect((await postJson(`${sim.url}/__sim/stats/reset`, {})).status).toBe(200)
    const stats = (await (await fetch(`${sim.url}/__sim/stats`)).json()) as any
    expect(stats.total).toBe(0)
    expect(stats.maxWindow).toBe("sliding-1000ms")
  })

  it("runs as a scoped Effect resource that closes with its scope", async () => {
    const url = await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
      const scoped = yield* simulatorScoped({ config: { seed: 2 } })
      const response = yield* Effect.promise(() => fetch(`${scoped.url}/t/riverside-rc/`))
      expect(response.status).toBe(200)
      return scoped.url
    })))
    await expect(fetch(`${url}/t/riverside-rc/`)).rejects.toThrow()
  })
})
