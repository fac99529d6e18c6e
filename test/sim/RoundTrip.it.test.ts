import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { parseEntryList } from "../../src/liverc/EntryListParser.ts"
import { parseEventList } from "../../src/liverc/EventListParser.ts"
import { parseEventPage } from "../../src/liverc/EventPageParser.ts"
import type { LiveRcParseError } from "../../src/liverc/LiveRcParseError.ts"
import { parsePracticeDay } from "../../src/liverc/PracticeDayParser.ts"
import { parsePracticeMonth } from "../../src/liverc/PracticeMonthParser.ts"
import { parsePracticeSession } from "../../src/liverc/PracticeSessionParser.ts"
import { parseRaceResult } from "../../src/liverc/RaceResultParser.ts"
import { parseTrackCatalogue } from "../../src/liverc/TrackCatalogueParser.ts"
import { parseTrackDashboard } from "../../src/liverc/TrackDashboardParser.ts"
import type { SimConfigPatch } from "../../src/sim/SimConfig.ts"
import { type RunningSimulator, startSimulator } from "../../src/sim/SimServer.ts"

/**
 * generate -> serve -> fetch over HTTP -> parse must give back exactly the generator's model, for
 * every page kind the service reads, over hundreds of seeds and a spread of sizes.
 */

type Parser = (html: string, url: string) => Effect.Effect<unknown, LiveRcParseError>

const worlds: ReadonlyArray<{ readonly name: string; readonly seeds: number; readonly patch: SimConfigPatch }> = [
  { name: "default sizes", seeds: 60, patch: {} },
  { name: "one driver, one lap, one race", seeds: 40, patch: { driversPerRace: 1, lapsPerDriver: 1, racesPerEvent: 1, eventsPerTrack: 1 } },
  { name: "big fields and many races", seeds: 30, patch: { driversPerRace: 24, lapsPerDriver: 30, racesPerEvent: 30 } },
  { name: "races over an hour long", seeds: 30, patch: { driversPerRace: 4, lapsPerDriver: 120, racesPerEvent: 3 } },
  {
    name: "busy practice days",
    seeds: 40,
    patch: { practice: { dayProbability: 0.6, sessionsPerDay: { min: 0, max: 30 }, lapsPerSession: { min: 1, max: 75 } } }
  }
]

describe("round trip: synthetic model -> HTML over HTTP -> parser", () => {
  let sim: RunningSimulator
  let checked = 0
  beforeAll(async () => {
    sim = await startSimulator({ config: { tracks: 500 } })
  })
  afterAll(() => sim.close())

  const roundTrip = async (path: string, parse: Parser, model: unknown) => {
    const url = `${sim.url}${path}`
    const response = await fetch(url)
    expect(response.status, path).toBe(200)
    const parsed = await Effect.runPromise(Effect.result(parse(await response.text(), url)))
    if (parsed._tag === "Failure") expect.fail(`${path}: ${parsed.failure.message}`)
    expect(parsed.success, path).toEqual(model)
    checked++
  }

  for (const [w, world] of worlds.entries()) {
    it(`gives back every page kind's model for ${world.seeds} seeds with ${world.name}`, async () => {
      for (let s = 1; s <= world.seeds; s++) {
        sim.configure({ ...world.patch, seed: 1_000 * (w + 1) + s, tracks: 500 })
        const data = sim.data()
        if (s === 1) await roundTrip("/", parseTrackCatalogue, data.catalogue())
        const slug = data.catalogue().tracks[(s * 37) % 500]?.slug as string
        const site = `/t/${slug}`
        await roundTrip(`${site}/`, parseTrackDashboard, data.dashboard(slug).model)
        await roundTrip(`${site}/events`, parseEventList, data.eventList(slug))
        await roundTrip(`${site}/results/`, parseEventList, data.eventList(slug))

        const events = data.eventList(slug).events
        const eventId = events[s % events.length]?.eventId as string
        const event = data.eventPage(eventId)
        await roundTrip(`${site}/results/?p=view_event&id=${eventId}`, parseEventPage, event)
        await roundTrip(`${site}/results/?p=view_entry_list&id=${eventId}`, parseEntryList, data.entryList(eventId))
        for (const race of new Set([event.races[0], event.races[s % event.races.length], event.races.at(-1)])) {
          if (race === undefined) continue
          await roundTrip(`${site}/results/?p=view%5Frace%5Fresult&id=${race.raceId}`, parseRaceResult, data.raceResult(race.raceId).model)
        }
        const loneRace = String(7_000_000 + s * 131)
        await roundTrip(`${site}/results/?p=view_race_result&id=${loneRace}`, parseRaceResult, data.raceResult(loneRace).model)

        const month = `20${16 + (s % 10)}-${String(1 + (s % 12)).padStart(2, "0")}`
        const calendar = data.practiceMonth(slug, month)
        await roundTrip(`${site}/practice/?p=calendar&d=${month}`, parsePracticeMonth, calendar)
        const day = calendar.days[s % Math.max(1, calendar.days.length)] ?? `${month}-15`
        const dayView = data.practiceDay(slug, day)
        await roundTrip(`${site}/practice/?p=session_list&d=${day}`, parsePracticeDay, dayView)
        const session = dayView.sessions[s % Math.max(1, dayView.sessions.length)]
        if (session !== undefined) {
          await roundTrip(`${site}/practice/?p=view_session&id=${session.sessionId}`, parsePracticeSession, data.practiceSession(session.sessionId))
        }
        const loneSession = String(90_000 + s * 17)
        await roundTrip(`${site}/practice/?p=view_session&id=${loneSession}`, parsePracticeSession, data.practiceSession(loneSession))
      }
    })
  }

  it("gives back the models of the synthetic pages around the real event 486677 and of listed events", async () => {
    sim.configure({ seed: 1, tracks: null })
    const data = sim.data()
    for (const race of data.eventSkeleton("486677").races) {
      if (race.raceId === "6304829" || race.raceId === "6304822") continue
      await roundTrip(`/t/canberraoffroad/results/?p=view_race_result&id=${race.raceId}`, parseRaceResult, data.raceResult(race.raceId).model)
    }
    await roundTrip("/t/canberraoffroad/results/?p=view_entry_list&id=486677", parseEntryList, data.entryList("486677"))
    for (const eventId of ["484916", "265957"]) {
      await roundTrip(`/t/canberraoffroad/results/?p=view_event&id=${eventId}`, parseEventPage, data.eventPage(eventId))
      await roundTrip(`/t/canberraoffroad/results/?p=view_entry_list&id=${eventId}`, parseEntryList, data.entryList(eventId))
    }
  })

  it("gives back the changed models after mutations", async () => {
    sim.configure({ seed: 5, tracks: 500 })
    const slug = sim.data().catalogue().tracks[7]?.slug as string
    const site = `/t/${slug}`
    const eventId = sim.data().eventList(slug).events[0]?.eventId as string
    const raceId = sim.data().eventPage(eventId).races[2]?.raceId as string
    const day = sim.data().practiceMonth(slug, "2025-10").days[0] as string
    sim.mutate({ kind: "race-result", id: raceId })
    sim.mutate({ kind: "race-result", id: raceId })
    sim.mutate({ kind: "event", id: eventId })
    sim.mutate({ kind: "events", track: slug })
    sim.mutate({ kind: "track-dashboard", track: slug })
    sim.mutate({ kind: "practice-day", track: slug, date: day })
    sim.mutate({ kind: "practice-day", track: slug, date: "2025-10-30" })
    const data = sim.data()
    await roundTrip(`${site}/results/?p=view_race_result&id=${raceId}`, parseRaceResult, data.raceResult(raceId).model)
    const event = data.eventPage(eventId)
    await roundTrip(`${site}/results/?p=view_event&id=${eventId}`, parseEventPage, event)
    const added = event.races[0]?.raceId as string
    await roundTrip(`${site}/results/?p=view_race_result&id=${added}`, parseRaceResult, data.raceResult(added).model)
    await roundTrip(`${site}/events`, parseEventList, data.eventList(slug))
    await roundTrip(`${site}/`, parseTrackDashboard, data.dashboard(slug).model)
    await roundTrip(`${site}/practice/?p=session_list&d=${day}`, parsePracticeDay, data.practiceDay(slug, day))
    const calendar = data.practiceMonth(slug, "2025-10")
    expect(calendar.days).toContain("2025-10-30")
    await roundTrip(`${site}/practice/?p=calendar&d=2025-10`, parsePracticeMonth, calendar)
    const newSession = data.practiceDay(slug, day).sessions.at(-1)?.sessionId as string
    await roundTrip(`${site}/practice/?p=view_session&id=${newSession}`, parsePracticeSession, data.practiceSession(newSession))
  })

  it("checked hundreds of pages", () => {
    expect(checked).toBeGreaterThan(2_000)
  })
})
