import { describe, expect, it } from "vitest"
import { chooseEventName, parseEventPage, splitRaceLabel } from "../../src/liverc/EventPageParser.ts"
import { capturedPage, parsed, parseFailure, trackUrl } from "../support/LiveRcPages.ts"

const eventUrl = trackUrl("/results/?p=view_event&id=486677")
const eventHtml = () => capturedPage("event-486677/event.html")

describe("parseEventPage on event 486677", () => {
  const event = parsed(parseEventPage(eventHtml(), eventUrl))

  it("reads the title, date and registration stats", () => {
    expect(event).toMatchObject({
      eventId: "486677",
      name: "Cormcc 2025 Rudi Wensing Memorial, Clay Cup",
      date: "2025-11-16",
      dateEnd: null,
      entries: 71,
      drivers: 60,
      totalRaceLaps: 4129,
      entryListId: "486677"
    })
  })

  it("lists 32 races: 14 Main Events then 6 in each qualifier round, newest first", () => {
    expect(event.races).toHaveLength(32)
    const count = (round: string) => event.races.filter((race) => race.round === round).length
    expect([count("Main Events"), count("Qualifier Round 3"), count("Qualifier Round 2"), count("Qualifier Round 1")])
      .toEqual([14, 6, 6, 6])
    expect(event.races.slice(0, 14).map((race) => race.raceNumber)).toEqual([14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1])
    expect(event.races.slice(14, 20).map((race) => race.raceNumber)).toEqual([6, 5, 4, 3, 2, 1])
  })

  it("reads race 6304829 as Race 14, class and label split on the pretty-printed link text", () => {
    expect(event.races[0]).toEqual({
      raceId: "6304829",
      raceNumber: 14,
      className: "1/8 Nitro Buggy",
      label: "1/8 Nitro Buggy A-Main",
      round: "Main Events",
      completedAt: "2025-11-16T17:30:00"
    })
    expect(event.races[1]).toMatchObject({ className: "1/8 Electric Buggy", label: "1/8 Electric Buggy A3-Main" })
  })

  it("keeps nested parentheses in the label of a heat", () => {
    expect(event.races[31]).toEqual({
      raceId: "6295537",
      raceNumber: 1,
      className: "1/8 Electric Buggy",
      label: "1/8 Electric Buggy (Heat 1/3)",
      round: "Qualifier Round 1",
      completedAt: "2025-11-16T08:22:00"
    })
  })

  it("reads the multi-main, points, round ranking and overall ranking links", () => {
    expect(event.multiMains).toEqual([
      { id: "939156", label: "1/8 Electric Buggy Triple A-Main" },
      { id: "939133", label: "1/8 Electric Buggy Triple B-Main" },
      { id: "939123", label: "1/8 Electric Buggy Triple C-Main" }
    ])
    expect(event.points).toEqual([{ id: "7070446", label: "Results (1 of 3)", roundsCompleted: 1, roundsTotal: 3 }])
    expect(event.roundRankings).toEqual([
      { id: "1470838", label: "Qualifier Round 1 Rankings", order: "laps_time" },
      { id: "1470839", label: "Qualifier Round 2 Rankings", order: "laps_time" },
      { id: "1471194", label: "Qualifier Round 3 Rankings", order: "laps_time" }
    ])
    expect(event.overallRankingId).toBe("486677")
  })

  it("reads the same event from %5F-encoded links", () => {
    const encoded = eventHtml().replace(/\?p=([a-z_]+)&/g, (_, page: string) => `?p=${page.replace(/_/g, "%5F")}&`)
    expect(encoded).toContain("view%5Frace%5Fresult")
    expect(parsed(parseEventPage(encoded, eventUrl))).toEqual(event)
  })

  it("does not depend on whitespace or line breaks", () => {
    const oneLine = eventHtml().replace(/\s+/g, " ")
    expect(parsed(parseEventPage(oneLine, eventUrl))).toEqual(event)
  })

  it("has no event id when the URL has none", () => {
    expect(parsed(parseEventPage(eventHtml(), "file:///tmp/event.html")).eventId).toBeNull()
  })

  it("reads a date range into date and dateEnd", () => {
    const html = eventHtml().replace("</span> Nov 16, 2025", "</span> Nov 14, 2025 to Nov 16, 2025")
    expect(parsed(parseEventPage(html, eventUrl))).toMatchObject({ date: "2025-11-14", dateEnd: "2025-11-16" })
  })

  it("refuses a page without an event date", () => {
    const html = eventHtml().replace("</span> Nov 16, 2025", "</span> soon")
    expect(parseFailure(parseEventPage(html, eventUrl)).reason).toMatch(/no event date/)
  })

  it("refuses a race page", () => {
    expect(parseFailure(parseEventPage(capturedPage("event-486677/race.6304829.html"), eventUrl)).page).toBe("event")
  })
})

describe("chooseEventName", () => {
  it("takes h3 when h1 is the club", () => {
    expect(chooseEventName("Canberra Off Road Model Car Club", "Cormcc 2025 Rudi Wensing Memorial, Clay Cup"))
      .toBe("Cormcc 2025 Rudi Wensing Memorial, Clay Cup")
  })

  it("takes h1 when overlapping titles name different years", () => {
    expect(chooseEventName("2026 Psycho Nitro Blast", "2025 Psycho Nitro Blast 19")).toBe("2026 Psycho Nitro Blast")
  })

  it("takes h1 when both say the same, and whichever is present when one is blank", () => {
    expect(chooseEventName("Club Day", "club day")).toBe("Club Day")
    expect(chooseEventName("", "Club Day")).toBe("Club Day")
    expect(chooseEventName("Club Day", "")).toBe("Club Day")
  })

  it("takes h3 when overlapping titles share their years", () => {
    expect(chooseEventName("Winter Series 2025", "Winter Series 2025 Round 3")).toBe("Winter Series 2025 Round 3")
  })
})

describe("splitRaceLabel", () => {
  it("splits number, class and label", () => {
    expect(splitRaceLabel("Race 14: 1/8 Nitro Buggy (1/8 Nitro Buggy A-Main)")).toEqual({
      raceNumber: 14,
      className: "1/8 Nitro Buggy",
      label: "1/8 Nitro Buggy A-Main"
    })
  })

  it("uses the whole text as class and label without parentheses", () => {
    expect(splitRaceLabel("Race 3: Junior A-Main")).toEqual({ raceNumber: 3, className: "Junior A-Main", label: "Junior A-Main" })
  })

  it("names the class after a semi's practice label", () => {
    expect(splitRaceLabel("Race 2: Semi A (Semi A (Even) Practice)")).toMatchObject({
      className: "Semi A (Even) Practice",
      label: "Semi A (Even) Practice"
    })
  })

  it("has no number when the text does not start with Race N", () => {
    expect(splitRaceLabel("Open Practice").raceNumber).toBeNull()
  })
})
