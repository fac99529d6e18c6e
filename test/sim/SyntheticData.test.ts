import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { EntryList } from "../../src/liverc/models/EntryList.ts"
import { EventList } from "../../src/liverc/models/EventList.ts"
import { EventPage } from "../../src/liverc/models/EventPage.ts"
import { PracticeDayView, PracticeMonthView, PracticeSessionDetail } from "../../src/liverc/models/Practice.ts"
import { RaceResult } from "../../src/liverc/models/RaceResult.ts"
import { TrackCatalogue } from "../../src/liverc/models/TrackCatalogue.ts"
import { TrackDashboard } from "../../src/liverc/models/TrackDashboard.ts"
import { capturedPages } from "../../src/sim/CapturedPages.ts"
import { applyPatch, defaultSimConfig, type SimConfig, type SimConfigPatch } from "../../src/sim/SimConfig.ts"
import { SyntheticData } from "../../src/sim/SyntheticData.ts"

const world = (patch: SimConfigPatch = {}) => {
  const config = applyPatch(defaultSimConfig, patch) as SimConfig
  return new SyntheticData(config, capturedPages())
}

const valid = <S extends Schema.Codec<any, any>>(schema: S, value: unknown) => {
  expect(() => Schema.decodeUnknownSync(schema as any)(value)).not.toThrow()
}

describe("SyntheticData", () => {
  it("builds the same models from the same seed and different ones from another seed", () => {
    const a = world({ seed: 3 })
    const b = world({ seed: 3 })
    const c = world({ seed: 4 })
    expect(a.eventPage("123456")).toEqual(b.eventPage("123456"))
    expect(a.raceResult("12345601")).toEqual(b.raceResult("12345601"))
    expect(a.raceResult("12345601").model).not.toEqual(c.raceResult("12345601").model)
  })

  it("produces race results whose positions, laps and times agree with each other", () => {
    const data = world({ driversPerRace: 14, lapsPerDriver: 25 })
    let nonStarters = 0
    for (let id = 1_000; id < 1_120; id++) {
      const race = data.raceResult(String(id)).model
      valid(RaceResult, race)
      expect(new Set(race.results.map((row) => row.driverName)).size).toBe(race.results.length)
      race.results.forEach((row, i) => {
        expect(row.position).toBe(i + 1)
        expect(row.laps).toHaveLength(row.lapsCompleted)
        if (row.lapsCompleted === 0) {
          nonStarters++
          expect([row.totalTimeMs, row.fastLapMs, row.fastLapNumber, row.avgLapMs, row.consistencyPct]).toEqual([null, null, null, null, null])
          return
        }
        const times = row.laps.map((lap) => lap.timeMs)
        expect(row.laps.map((lap) => lap.lap)).toEqual(times.map((_, n) => n + 1))
        expect(row.totalTimeMs).toBe(times.reduce((a, b) => a + b, 0))
        expect(row.fastLapMs).toBe(Math.min(...times))
        expect(times[(row.fastLapNumber ?? 0) - 1]).toBe(row.fastLapMs)
        for (const time of times) expect(time).toBeLessThan(60_000)
        const ahead = race.results[i - 1]
        if (ahead !== undefined) {
          expect(ahead.lapsCompleted).toBeGreaterThanOrEqual(row.lapsCompleted)
          if (ahead.lapsCompleted === row.lapsCompleted) expect(ahead.totalTimeMs ?? 0).toBeLessThanOrEqual(row.totalTimeMs ?? 0)
        }
      })
    }
    expect(nonStarters).toBeGreaterThan(0)
  })

  it("cuts event page, entry list and race pages from one skeleton", () => {
    const data = world({ racesPerEvent: 20, driversPerRace: 8 })
    const event = data.eventPage("4242")
    valid(EventPage, event)
    expect(event.races).toHaveLength(20)
    const entries = data.entryList("4242")
    valid(EntryList, entries)
    expect(entries.classes.reduce((n, cls) => n + cls.entries.length, 0)).toBe(event.entries)
    expect(new Set(entries.classes.flatMap((cls) => cls.entries.map((e) => e.driverName))).size).toBe(event.drivers)
    let laps = 0
    for (const listed of event.races) {
      const race = data.raceResult(listed.raceId).model
      expect([race.raceNumber, race.className, race.round]).toEqual([listed.raceNumber, listed.label, listed.round])
      const classDrivers = new Set(entries.classes.find((cls) => cls.className === listed.className)?.entries.map((e) => e.driverName))
      for (const row of race.results) expect(classDrivers.has(row.driverName)).toBe(true)
      laps += race.results.reduce((n, row) => n + row.lapsCompleted, 0)
    }
    expect(event.totalRaceLaps).toBe(laps)
    // Newest first: Main Events at the top, race numbers falling within each round.
    expect(event.races[0]?.round).toBe("Main Events")
  })

  it("keeps every derived id a valid LiveRC id, even for 12-digit event ids", () => {
    const data = world({ racesPerEvent: 30 })
    for (const eventId of ["1", "99", "9999999999", "999999999999"]) {
      const event = data.eventPage(eventId)
      valid(EventPage, event)
      for (const race of event.races) valid(RaceResult, data.raceResult(race.raceId).model)
    }
  })

  it("gives event 486677's other races the race number, class and round its real page lists", () => {
    const data = world()
    const skeleton = data.eventSkeleton("486677")
    expect(skeleton.races).toHaveLength(32)
    expect(skeleton.entries).toBe(71)
    const race = skeleton.races.find((r) => r.raceId === "6297913")
    expect(race).toMatchObject({ raceNumber: 6, className: "1/8 Nitro Buggy", label: "1/8 Nitro Buggy (Heat 3/3)", round: "Qualifier Round 3" })
    const model = data.raceResult("6297913").model
    expect([model.raceNumber, model.className, model.round]).toEqual([6, "1/8 Nitro Buggy (Heat 3/3)", "Qualifier Round 3"])
    // The entry list of the real event holds the drivers of its real races.
    const nitro = data.entryList("486677").classes.find((cls) => cls.className === "1/8 Nitro Buggy")
    expect(nitro?.entries.map((e) => e.driverName)).toContain("FELIX KOEGLER")
  })

  it("lists a track's events newest first with the counts their event pages show", () => {
    const data = world({ eventsPerTrack: 15 })
    const list = data.eventList("riverside-rc")
    valid(EventList, list)
    expect(list.events).toHaveLength(15)
    const starts = list.events.map((e) => e.startsAt)
    expect([...starts].sort().reverse()).toEqual(starts)
    for (const listed of list.events.slice(0, 3)) {
      const page = data.eventPage(listed.eventId)
      expect([page.name, page.date, page.entries, page.drivers]).toEqual([listed.name, listed.startsAt.slice(0, 10), listed.entries, listed.drivers])
    }
    // Real listed events keep their real names on their synthetic pages.
    expect(world().eventPage("484916").name).toBe("2025 Campbelltown Hobbies Winter Series Round-7")
  })

  it("builds catalogues of any size with unique slugs and valid dashboards", () => {
    const data = world({ tracks: 10_000 })
    const catalogue = data.catalogue()
    valid(TrackCatalogue, catalogue)
    expect(catalogue.tracks).toHaveLength(10_000)
    expect(new Set(catalogue.tracks.map((t) => t.slug)).size).toBe(10_000)
    const track = catalogue.tracks[9_999]!
    expect(data.trackName(track.slug)).toBe(track.name)
    valid(TrackDashboard, data.dashboard(track.slug).model)
    expect(world().trackName("canberraoffroad")).toBe("Canberra Off Road Model Car Club")
  })

  it("decides practice days deterministically and rebuilds listed sessions from their ids", () => {
    const data = world()
    const month = data.practiceMonth("riverside-rc", "2025-10")
    valid(PracticeMonthView, month)
    expect(month).toEqual(world().practiceMonth("riverside-rc", "2025-10"))
    expect(month.days.length).toBeGreaterThan(0)
    const day = data.practiceDay("riverside-rc", month.days[0]!)
    valid(PracticeDayView, day)
    expect(day.sessions.length).toBeGreaterThan(0)
    for (const summary of day.sessions) {
      const session = data.practiceSession(summary.sessionId)
      valid(PracticeSessionDetail, session)
      const { consistencyPct: _c, laps, ...rest } = session
      expect(rest).toEqual(summary)
      expect(laps).toHaveLength(summary.lapCount)
      expect(Math.min(...laps.map((l) => l.timeMs))).toBe(summary.fastLapMs)
    }
    const fixed = world({ practice: { days: ["2025-10-07", "2025-10-21"] } })
    expect(fixed.practiceMonth("any-track", "2025-10").days).toEqual(["2025-10-07", "2025-10-21"])
    expect(fixed.practiceDay("any-track", "2025-10-08").sessions).toEqual([])
    expect(world({ practice: { calendar: "blank" } }).practiceMonth("riverside-rc", "2025-10").days).toEqual([])
  })
})
