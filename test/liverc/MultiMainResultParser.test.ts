import { describe, expect, it } from "vitest"
import { parseEventPage } from "../../src/liverc/EventPageParser.ts"
import type { MultiMainEntry } from "../../src/liverc/models/MultiMainResult.ts"
import { classOfLabel, mainRunOf, parseMultiMainResult } from "../../src/liverc/MultiMainResultParser.ts"
import { parseRaceResult } from "../../src/liverc/RaceResultParser.ts"
import { brokenPages } from "../support/BrokenPages.ts"
import { capturedPage, fixturePage, parsed, parseFailure, trackUrl } from "../support/LiveRcPages.ts"
import { eventWithStandings, simPage, simWorld } from "../support/SimStandings.ts"

const multiMainUrl = (id: string) => trackUrl(`/results/?p=view_multi_main_result&id=${id}`)
const fixture = () => fixturePage("multi_main_result.html")

type Row = [position: number | null, seeded: number | null, driver: string, points: number | null, mains: string]

const summary = (entry: MultiMainEntry): Row => [
  entry.position,
  entry.seededPosition,
  entry.driverName,
  entry.points,
  entry.mains.map((run) => `${run.main}:${run.position}/${run.points}/${run.laps}/${run.totalTimeMs}`).join(" ")
]

describe("parseMultiMainResult on the hand-made 1/8 Electric Buggy Triple A-Main", () => {
  const result = parsed(parseMultiMainResult(fixture(), multiMainUrl("939156")))

  it("reads the id, class, label, tie breaker and completion from the table head", () => {
    expect(result).toMatchObject({
      multiMainId: "939156",
      className: "1/8 Electric Buggy",
      label: "1/8 Electric Buggy Triple A-Main",
      tieBreaker: "Best Finish",
      completedMains: 3,
      totalMains: 3,
      mains: ["A1", "A2", "A3"]
    })
  })

  it("reads all 10 rows with every main as place, points, laps and integer milliseconds", () => {
    expect(result.entries.map(summary)).toEqual([
      [1, 2, "ARI BAKLA", 2, "A1:2/2/16/605871 A2:1/1/16/603244 A3:1/1/16/614477"],
      [2, 1, "MATTHEW COUPER", 3, "A1:1/1/16/601133 A2:2/2/16/609760 A3:7/7/9/338796"],
      [3, 5, "TANNER WHITE", 5, "A1:3/3/15/602455 A2:4/4/15/606512 A3:2/2/15/610510"],
      [4, 6, "ALEX BROWN", 6, "A1:5/5/15/620318 A2:3/3/15/600981 A3:3/3/15/624192"],
      [5, 7, "MARK WALLIN", 9, "A1:6/6/15/633672 A2:5/5/15/629004 A3:4/4/15/638315"],
      [6, 3, "RILEY LANDER", 10, "A1:4/4/15/611906 A2:6/6/15/635718 A3:8/8/0/0"],
      [7, 9, "LACHLAN BROPHY", 12, "A1:8/8/14/607593 A2:7/7/15/649336 A3:5/5/15/645242"],
      [8, 10, "GREG ROSANDER", 15, "A1:9/9/12/598140 A2:9/9/8/331902 A3:6/6/11/543027"],
      [9, 4, "STEPHEN SNEDDEN", 15, "A1:7/7/15/641027 A2:8/8/13/552485 A3:9/9/0/0"],
      [10, null, "LEE BAGGULEY", 20, "A1:10/10/0/0 A2:10/10/0/0 A3:10/10/0/0"]
    ])
  })

  it("keeps each main cell's text as printed", () => {
    expect(result.entries[1]!.mains[0]).toEqual({
      main: "A1",
      position: 1,
      points: 1,
      laps: 16,
      totalTimeMs: 601133,
      result: "1st (1pts) : 16/10:01.133"
    })
    expect(result.entries.every((entry) => entry.sourceDriverId === null && entry.carNumber === null)).toBe(true)
  })
})

describe("parseMultiMainResult on pages the simulator serves", () => {
  const eventId = eventWithStandings()
  const event = parsed(parseEventPage(simPage(`/results/?p=view_event&id=${eventId}`), trackUrl(`/results/?p=view_event&id=${eventId}`)))

  it("parses every multi-main its event page links, matching the table it was rendered from", () => {
    expect(event.multiMains.length).toBeGreaterThan(0)
    for (const link of event.multiMains) {
      const result = parsed(parseMultiMainResult(simPage(`/results/?p=view_multi_main_result&id=${link.id}`), multiMainUrl(link.id)))
      const table = simWorld().multiMain(link.id)
      expect(result.multiMainId).toBe(link.id)
      expect(result.label).toBe(link.label)
      expect(result.label).toBe(table.className)
      expect([result.tieBreaker, result.completedMains, result.totalMains]).toEqual(["Best Finish", 3, 3])
      expect(result.mains).toEqual(table.mainLabels)
      expect(result.entries.map((e) => [e.position, e.seededPosition, e.driverName, e.points, e.mains.map((m) => m.result)]))
        .toEqual(table.rows.map((row) => [row.position, row.seeded, row.driver, row.points, row.mains]))
      for (const entry of result.entries) {
        for (const run of entry.mains) {
          expect(run.position, `${entry.driverName} ${run.main}`).toBe(run.points)
          expect(run.laps! > 0 && run.totalTimeMs! > 0, `${entry.driverName} ${run.main}`).toBe(true)
        }
      }
    }
  })

  it("parses the multi-mains that event 486677's real page links, each made of the races of its main as served", () => {
    const event = parsed(parseEventPage(capturedPage("event-486677/event.html"), trackUrl("/results/?p=view_event&id=486677")))
    expect(event.multiMains.map((link) => link.id)).toEqual(["939156", "939133", "939123"])
    for (const [id, letter] of [["939156", "A"], ["939133", "B"], ["939123", "C"]] as const) {
      const result = parsed(parseMultiMainResult(simPage(`/results/?p=view_multi_main_result&id=${id}`), multiMainUrl(id)))
      expect(result).toMatchObject({ multiMainId: id, className: "1/8 Electric Buggy", completedMains: 3, totalMains: 3 })
      expect(result.mains).toEqual([1, 2, 3].map((n) => `${letter}${n}`))
      for (const main of result.mains) {
        const listed = event.races.find((race) => race.label === `1/8 Electric Buggy ${main}-Main`)!
        const raceUrl = trackUrl(`/results/?p=view_race_result&id=${listed.raceId}`)
        const race = parsed(parseRaceResult(simPage(`/results/?p=view_race_result&id=${listed.raceId}`), raceUrl))
        // Every starter of the race has its place and laps in the standings' column of that main, no one else.
        const runs = result.entries.flatMap((entry) =>
          entry.mains.filter((run) => run.main === main).map((run) => [entry.driverName, run.position, run.laps])
        )
        expect(runs.sort(), `${id} ${main}`).toEqual(
          race.results.map((row) => [row.driverName, row.position, row.lapsCompleted]).sort()
        )
      }
      const points = result.entries.map((entry) => entry.points!)
      expect(points, id).toEqual([...points].sort((a, b) => a - b))
    }
  })
})

describe("parseMultiMainResult on variations", () => {
  it("reads Tie Breaker and Completed from two separate sub headers too", () => {
    const html = fixture().replace(
      "Tie Breaker: Best Finish<br />Completed: 3 of 3</div>",
      "Tie Breaker: Best Finish</div><div class=\"class_sub_header\">Completed: 2 of 3</div>"
    )
    expect(parsed(parseMultiMainResult(html, multiMainUrl("939156")))).toMatchObject({
      tieBreaker: "Best Finish",
      completedMains: 2,
      totalMains: 3
    })
  })

  it("leaves out a main not yet run (a blank cell) and keeps the others", () => {
    const html = fixture().replace("<td>1st (1pts) : 16/10:14.477</td>", "<td></td>")
    const ari = parsed(parseMultiMainResult(html, multiMainUrl("939156"))).entries[0]!
    expect(ari.mains.map((run) => run.main)).toEqual(["A1", "A2"])
  })

  it("keeps a DQ row with a null position and a main cell it cannot read as text with null numbers", () => {
    const html = fixture()
      .replace("<tr><td>10</td>", "<tr><td>DQ</td>")
      .replace("<td>10th (10pts) : 0/0.000</td></tr>", "<td>DNS</td></tr>")
    const last = parsed(parseMultiMainResult(html, multiMainUrl("939156"))).entries[9]!
    expect(last.position).toBeNull()
    expect(last.mains[2]).toEqual({ main: "A3", position: null, points: null, laps: null, totalTimeMs: null, result: "DNS" })
  })

  it("reads a driver cell marked as on race pages: name span, car number and data-driver-id", () => {
    const html = fixture().replace(
      "<td>ARI BAKLA</td>",
      `<td><span class="car_num">2</span> <a href="#" data-driver-id="298958"><span class="driver_name">ARI BAKLA</span></a></td>`
    )
    expect(parsed(parseMultiMainResult(html, multiMainUrl("939156"))).entries[0]).toMatchObject({
      driverName: "ARI BAKLA",
      sourceDriverId: "298958",
      carNumber: "2"
    })
  })

  it("reads B-Main columns by their headers and the id from a %5F-encoded URL", () => {
    const html = fixture()
      .replace("<th>A1</th><th>A2</th><th>A3</th>", "<th>B1</th><th>B2</th><th>B3</th>")
      .replace("Triple A-Main</span>", "Triple B-Main</span>")
    const result = parsed(parseMultiMainResult(html, trackUrl("/results/?p=view%5Fmulti%5Fmain%5Fresult&id=939133")))
    expect([result.multiMainId, result.className, result.label, result.mains])
      .toEqual(["939133", "1/8 Electric Buggy", "1/8 Electric Buggy Triple B-Main", ["B1", "B2", "B3"]])
  })

  it("has no id when the URL is not a multi-main URL", () => {
    expect(parsed(parseMultiMainResult(fixture(), "file:///tmp/multi.html")).multiMainId).toBeNull()
    expect(parsed(parseMultiMainResult(fixture(), trackUrl("/results/?p=view_points&id=939156"))).multiMainId).toBeNull()
  })

  it("falls back to the panel heading when the table has no class header", () => {
    const html = fixture().replace(`<span class="class_header">1/8 Electric Buggy Triple A-Main</span>`, "")
    expect(parsed(parseMultiMainResult(html, multiMainUrl("939156"))).label).toBe("1/8 Electric Buggy Triple A-Main")
  })

  it("ignores a <sup> and a hidden sort key inside a main cell", () => {
    const html = fixture().replace(
      "<td>1st (1pts) : 16/10:14.477</td>",
      `<td><div class="hidden">0001</div>1st (1pts) : 16/10:14.477<sup>9</sup></td>`
    )
    const run = parsed(parseMultiMainResult(html, multiMainUrl("939156"))).entries[0]!.mains[2]!
    expect([run.position, run.totalTimeMs, run.result]).toEqual([1, 614477, "1st (1pts) : 16/10:14.477"])
  })
})

describe("classOfLabel and mainRunOf", () => {
  it("takes the mains designation off a class header, and nothing else", () => {
    expect(classOfLabel("1/8 Electric Buggy Triple A-Main")).toBe("1/8 Electric Buggy")
    expect(classOfLabel("1/8 Nitro Buggy Double B Main")).toBe("1/8 Nitro Buggy")
    expect(classOfLabel("Stadium Truck A-Mains")).toBe("Stadium Truck")
    expect(classOfLabel("1/10 2WD Buggy")).toBe("1/10 2WD Buggy")
    expect(classOfLabel("A-Main")).toBe("A-Main")
    expect(classOfLabel("Domain")).toBe("Domain")
  })

  it("reads the cell forms the old service's parser names", () => {
    expect(mainRunOf("A1", "8th (8pts) : 0/0.000")).toMatchObject({ position: 8, points: 8, laps: 0, totalTimeMs: 0 })
    expect(mainRunOf("A1", "22nd (22 pts) : 3/2:01.5")).toMatchObject({ position: 22, points: 22, laps: 3, totalTimeMs: 121500 })
    expect(mainRunOf("A1", "1st (1pts) : 47/1:00:31.382")).toMatchObject({ laps: 47, totalTimeMs: 3631382 })
    expect(mainRunOf("A1", "1st (1pts)")).toMatchObject({ position: 1, points: 1, laps: null, totalTimeMs: null })
    expect(mainRunOf("A1", "")).toBeNull()
  })
})

describe("parseMultiMainResult on pages that do not fit", () => {
  it("answers a LiveRcParseError, never a throw, for every broken variant of the page", () => {
    for (const [name, html] of brokenPages(fixture())) {
      const error = parseFailure(parseMultiMainResult(html, multiMainUrl("939156")))
      expect(error._tag, name).toBe("LiveRcParseError")
      expect(error.page, name).toBe("multi-main")
      expect(error.url, name).toBe(multiMainUrl("939156"))
      expect(error.reason, name).not.toMatch(/^unexpected parser failure/)
    }
  })

  it("says why: cut short, or no multi-main table", () => {
    const html = fixture()
    expect(parseFailure(parseMultiMainResult(html.slice(0, 1000), multiMainUrl("1"))).reason)
      .toBe("the page is incomplete (no closing </html>)")
    expect(parseFailure(parseMultiMainResult(fixturePage("qual_points.html"), multiMainUrl("1"))).reason)
      .toMatch(/no multi-main table/)
  })

  it("refuses a multi-main table without its column row or with a row that names no driver", () => {
    const noColumns = fixture().replace(/<tr><th>Pos<\/th>.*<\/tr>/, "")
    expect(parseFailure(parseMultiMainResult(noColumns, multiMainUrl("1"))).reason).toMatch(/no column row/)
    const noDriver = fixture().replace("<td>ARI BAKLA</td>", "<td> </td>")
    expect(parseFailure(parseMultiMainResult(noDriver, multiMainUrl("1"))).reason).toBe("row 1 has no driver name")
  })
})
