import { describe, expect, it } from "vitest"
import { parseEventPage } from "../../src/liverc/EventPageParser.ts"
import { parseOverallRanking, splitResult } from "../../src/liverc/OverallRankingParser.ts"
import { brokenPages } from "../support/BrokenPages.ts"
import { capturedPage, fixturePage, parsed, parseFailure, trackUrl } from "../support/LiveRcPages.ts"
import { eventWithStandings, simPage, simWorld } from "../support/SimStandings.ts"

const overallUrl = (id: string) => trackUrl(`/results/?p=event_overall_ranking&id=${id}`)
const fixture = () => fixturePage("overall_ranking.html")

describe("parseOverallRanking on the hand-made Ep Buggy / Ic Buggy page", () => {
  const ranking = parsed(parseOverallRanking(fixture(), overallUrl("123")))

  it("reads 4 entries in two classes: Ep Buggy 3 rows, Ic Buggy ZAC RYAN", () => {
    expect(ranking.eventId).toBe("123")
    expect(ranking.classes.map((c) => [c.className, c.entries.length])).toEqual([["Ep Buggy", 3], ["Ic Buggy", 1]])
    const [ep, ic] = ranking.classes
    expect(ep!.entries.map((e) => [e.position, e.driverName, e.race])).toEqual([
      [1, "DARREN PERRY", "A Main"],
      [2, "CONNOR RIBAS", "A Main"],
      [14, "BEN YARNOLD", "B Main"]
    ])
    expect(ic!.entries.map((e) => e.driverName)).toEqual(["ZAC RYAN"])
  })

  it("finds columns by label in the Pos/Brand/Country/Driver/Result/Race order", () => {
    expect(ranking.classes[0]!.entries[0]).toEqual({
      position: 1,
      driverName: "DARREN PERRY",
      sourceDriverId: null,
      carNumber: null,
      race: "A Main",
      raceId: null,
      result: "[2] [1] 17/10:02.843",
      bracketed: [2, 1],
      laps: 17,
      totalTimeMs: 602843,
      brand: null,
      country: null
    })
  })

  it("reads a result with one bracketed number and a 30-minute time", () => {
    expect(ranking.classes[0]!.entries[2]).toMatchObject({ bracketed: [1], laps: 16, totalTimeMs: 611000 })
    expect(ranking.classes[1]!.entries[0]).toMatchObject({ bracketed: [1], laps: 50, totalTimeMs: 1807805 })
  })
})

describe("parseOverallRanking on pages the simulator serves", () => {
  it("parses an event's final results, matching the tables they were rendered from", () => {
    const eventId = eventWithStandings()
    const event = parsed(parseEventPage(simPage(`/results/?p=view_event&id=${eventId}`), trackUrl(`/results/?p=view_event&id=${eventId}`)))
    const id = event.overallRankingId!
    const ranking = parsed(parseOverallRanking(simPage(`/results/?p=event_overall_ranking&id=${id}`), overallUrl(id)))
    const tables = simWorld().overallRanking(id)
    expect(ranking.eventId).toBe(eventId)
    expect(ranking.classes.map((c) => c.className)).toEqual(tables.map((t) => t.className))
    ranking.classes.forEach((cls, c) => {
      expect(cls.entries.map((e) => [e.position, e.driverName, e.race, e.result])).toEqual(
        tables[c]!.rows.map((row) => [row.position, row.driver, row.race, row.result])
      )
      expect(cls.entries.every((e) => e.bracketed.length === 2 && e.laps! > 0 && e.totalTimeMs! > 0)).toBe(true)
    })
  })

  it("parses event 486677's final results: its 3 classes and 71 entries, as the live page had", () => {
    const event = parsed(parseEventPage(capturedPage("event-486677/event.html"), trackUrl("/results/?p=view_event&id=486677")))
    expect(event.overallRankingId).toBe("486677")
    const ranking = parsed(parseOverallRanking(simPage("/results/?p=event_overall_ranking&id=486677"), overallUrl("486677")))
    expect(ranking.classes).toHaveLength(3)
    expect(ranking.classes.reduce((sum, c) => sum + c.entries.length, 0)).toBe(71)
  })
})

describe("parseOverallRanking on variations", () => {
  it("keeps a DQ row with a null position and reads a position printed as 14th", () => {
    const html = fixture()
      .replace("<tr><td>2</td>", "<tr><td>DQ</td>")
      .replace("<tr><td>14</td>", "<tr><td>14th</td>")
    const ep = parsed(parseOverallRanking(html, overallUrl("1"))).classes[0]!
    expect(ep.entries.map((e) => [e.position, e.driverName])).toEqual([
      [1, "DARREN PERRY"],
      [null, "CONNOR RIBAS"],
      [14, "BEN YARNOLD"]
    ])
  })

  it("reads the race id from a linked Race cell, the brand, and the country from a flag's title", () => {
    const html = fixture().replace(
      "<tr><td>1</td><td></td><td></td><td>DARREN PERRY</td><td>[2] [1] 17/10:02.843</td><td>A Main</td></tr>",
      `<tr><td>1</td><td>Xray</td><td><img src="/flags/au.png" title="Australia" /></td><td>DARREN PERRY</td>` +
        `<td>[2] [1] 17/10:02.843</td><td><a href="/results/?p=view_race_result&amp;id=6304829">A Main</a></td></tr>`
    )
    expect(parsed(parseOverallRanking(html, overallUrl("1"))).classes[0]!.entries[0]).toMatchObject({
      race: "A Main",
      raceId: "6304829",
      brand: "Xray",
      country: "Australia"
    })
  })

  it("keeps a result it cannot read as text with null laps and time", () => {
    const html = fixture().replace("<td>[1] 50/30:07.805</td>", "<td>DNS</td>")
    expect(parsed(parseOverallRanking(html, overallUrl("1"))).classes[1]!.entries[0]).toMatchObject({
      result: "DNS",
      bracketed: [],
      laps: null,
      totalTimeMs: null
    })
  })

  it("has no event id when the URL is another page's", () => {
    expect(parsed(parseOverallRanking(fixture(), trackUrl("/results/?p=view_event&id=1"))).eventId).toBeNull()
    expect(parsed(parseOverallRanking(fixture(), trackUrl("/results/?p=event%5Foverall%5Franking&id=499602"))).eventId)
      .toBe("499602")
  })

  it("splits bracketed numbers off the front of a result, and only there", () => {
    expect(splitResult("[2] [1] 17/10:02.843")).toEqual({ bracketed: [2, 1], rest: "17/10:02.843" })
    expect(splitResult("17/10:02.843 [1]")).toEqual({ bracketed: [], rest: "17/10:02.843 [1]" })
    expect(splitResult("[x] 17/10:02.843")).toEqual({ bracketed: [], rest: "[x] 17/10:02.843" })
    expect(splitResult("[3")).toEqual({ bracketed: [], rest: "[3" })
  })
})

describe("parseOverallRanking on pages that do not fit", () => {
  it("answers a LiveRcParseError, never a throw, for every broken variant of the page", () => {
    for (const [name, html] of brokenPages(fixture())) {
      const error = parseFailure(parseOverallRanking(html, overallUrl("486677")))
      expect(error._tag, name).toBe("LiveRcParseError")
      expect(error.page, name).toBe("overall-ranking")
      expect(error.url, name).toBe(overallUrl("486677"))
      expect(error.reason, name).not.toMatch(/^unexpected parser failure/)
    }
  })

  it("refuses tables without a class header over Pos and Driver columns", () => {
    const html = fixture().replace(/<div class="class_header">[^<]*<\/div>/g, "")
    expect(parseFailure(parseOverallRanking(html, overallUrl("1"))).reason).toMatch(/no overall ranking table/)
    expect(parseFailure(parseOverallRanking(fixturePage("qual_points.html"), overallUrl("1"))).reason)
      .toMatch(/no overall ranking table/)
  })

  it("refuses a row that names no driver", () => {
    const html = fixture().replace("<td>ZAC RYAN</td>", "<td></td>")
    expect(parseFailure(parseOverallRanking(html, overallUrl("1"))).reason).toBe("row 1 has no driver name")
  })
})
