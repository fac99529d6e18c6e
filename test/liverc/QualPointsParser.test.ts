import { describe, expect, it } from "vitest"
import { parseEventPage } from "../../src/liverc/EventPageParser.ts"
import { parseQualPoints } from "../../src/liverc/QualPointsParser.ts"
import { brokenPages } from "../support/BrokenPages.ts"
import { fixturePage, parsed, parseFailure, trackUrl } from "../support/LiveRcPages.ts"
import { eventWithStandings, simPage, simWorld } from "../support/SimStandings.ts"

const pointsUrl = (id: string) => trackUrl(`/results/?p=view_points&id=${id}`)
const current = () => fixturePage("qual_points.html")
const lapsTime = () => fixturePage("qual_points_laps_time.html")
const legacy = () => fixturePage("qual_points_legacy.html")

describe("parseQualPoints on the current layout (class row above the column row)", () => {
  const points = parsed(parseQualPoints(current(), pointsUrl("7070446")))

  it("aligns cells with the second head row: class Pro Buggy, ALICE RACER 2 points", () => {
    expect(points.pointsId).toBe("7070446")
    expect(points.classes).toHaveLength(1)
    const [pro] = points.classes
    expect([pro!.className, pro!.tieBreaker]).toEqual(["Pro Buggy", "IFMAR"])
    expect(pro!.entries.map((e) => [e.position, e.driverName, e.points])).toEqual([
      [1, "ALICE RACER", 2],
      [2, "BOB RACER", 4]
    ])
  })

  it("reads every round cell as points and laps/time, and a dash tie breaker as null", () => {
    expect(points.classes[0]!.entries[0]).toEqual({
      position: 1,
      driverName: "ALICE RACER",
      sourceDriverId: null,
      carNumber: null,
      points: 2,
      resultLaps: null,
      resultTimeMs: null,
      tieBreaker: null,
      rounds: [
        { round: 1, points: 1, laps: 10, totalTimeMs: 60000, result: "10/1:00.000" },
        { round: 2, points: 2, laps: 10, totalTimeMs: 61000, result: "10/1:01.000" }
      ]
    })
  })
})

describe("parseQualPoints on a class ranked by aggregate laps/time (Canberra style)", () => {
  it("gives MARK WALLIN of class 1/10 Open points 0 and keeps the aggregate 11/5:09.946", () => {
    const points = parsed(parseQualPoints(lapsTime(), pointsUrl("7390835")))
    expect(points.classes.map((c) => [c.className, c.tieBreaker, c.entries.length])).toEqual([
      ["1/10 Open", "Best Individual Result", 1]
    ])
    expect(points.classes[0]!.entries[0]).toEqual({
      position: 1,
      driverName: "MARK WALLIN",
      sourceDriverId: null,
      carNumber: null,
      points: 0,
      resultLaps: 11,
      resultTimeMs: 309946,
      tieBreaker: "tb",
      rounds: [
        { round: 1, points: 0, laps: 8, totalTimeMs: 302209, result: "8/5:02.209" },
        { round: 2, points: 0, laps: 11, totalTimeMs: 309946, result: "11/5:09.946" },
        { round: 3, points: 0, laps: 11, totalTimeMs: 317309, result: "11/5:17.309" }
      ]
    })
  })
})

describe("parseQualPoints on the legacy layout (one head row)", () => {
  it("reads CAROL LEGACY with 0 points and the class from the 'Buggy Tie Breaker' line above", () => {
    const points = parsed(parseQualPoints(legacy(), pointsUrl("1")))
    expect(points.classes).toHaveLength(1)
    expect(points.classes[0]).toMatchObject({ className: "Buggy", tieBreaker: "Best Individual Result" })
    expect(points.classes[0]!.entries.map((e) => [e.position, e.driverName, e.points, e.rounds.length])).toEqual([
      [1, "CAROL LEGACY", 0, 1]
    ])
  })

  it("leaves the class null rather than invent one when nothing names it", () => {
    const html = legacy().replace("<h4>Buggy Tie Breaker: Best Individual Result</h4>", "")
    expect(parsed(parseQualPoints(html, pointsUrl("1"))).classes[0]).toMatchObject({ className: null, tieBreaker: null })
  })

  it("does not look past the panel title for a 'Tie Breaker' line", () => {
    const html = legacy()
      .replace("<h4>Buggy Tie Breaker: Best Individual Result</h4>", "")
      .replace("Nov 16, 2025</h5>", "Nov 16, 2025</h5><p>Truck Tie Breaker: IFMAR</p>")
    expect(parsed(parseQualPoints(html, pointsUrl("1"))).classes[0]!.className).toBeNull()
  })

  it("takes the class from a wide first head cell without a class_header span", () => {
    const html = current().replace(`<span class="class_header">Pro Buggy</span>`, "Pro Buggy")
    expect(parsed(parseQualPoints(html, pointsUrl("1"))).classes[0]!.className).toBe("Pro Buggy")
  })
})

describe("parseQualPoints on pages the simulator serves", () => {
  it("parses the points page an event links, matching the tables it was rendered from", () => {
    const eventId = eventWithStandings()
    const event = parsed(parseEventPage(simPage(`/results/?p=view_event&id=${eventId}`), trackUrl(`/results/?p=view_event&id=${eventId}`)))
    const link = event.points[0]!
    const points = parsed(parseQualPoints(simPage(`/results/?p=view_points&id=${link.id}`), pointsUrl(link.id)))
    const tables = simWorld().points(link.id)
    expect(points.pointsId).toBe(link.id)
    expect(points.classes.map((c) => c.className)).toEqual(tables.map((t) => t.className))
    points.classes.forEach((cls, c) => {
      const table = tables[c]!
      expect(cls.entries.map((e) => [e.position, e.driverName, e.points])).toEqual(
        table.rows.map((row) => [row.position, row.driver, row.points])
      )
      for (const entry of cls.entries) {
        expect(entry.rounds.map((r) => r.round)).toEqual(Array.from({ length: table.rounds }, (_, i) => i + 1))
        // The simulator's Result is the sum of the round places.
        expect(entry.rounds.reduce((sum, r) => sum + r.points!, 0), entry.driverName).toBe(entry.points)
        expect(entry.rounds.every((r) => r.laps! > 0 && r.totalTimeMs! > 0), entry.driverName).toBe(true)
      }
    })
  })

  it("parses qual points 7070446, the id event 486677's real page links", () => {
    const points = parsed(parseQualPoints(simPage("/results/?p=view_points&id=7070446"), pointsUrl("7070446")))
    expect(points.pointsId).toBe("7070446")
    expect(points.classes.length).toBeGreaterThan(0)
  })
})

describe("parseQualPoints on variations", () => {
  it("leaves out a round not yet run and keeps a note after the laps/time", () => {
    const html = current()
      .replace("<td>2 : 10/1:01.000</td>", "<td></td>")
      .replace("<td>2 : 10/1:02.000</td>", "<td>2 : 10/1:02.000 (DNF)</td>")
    const [alice, bob] = parsed(parseQualPoints(html, pointsUrl("1"))).classes[0]!.entries
    expect(alice!.rounds.map((r) => r.round)).toEqual([1])
    expect(bob!.rounds[0]).toEqual({ round: 1, points: 2, laps: 10, totalTimeMs: 62000, result: "10/1:02.000 (DNF)" })
  })

  it("keeps a row whose position and result are not numbers (DNS)", () => {
    const html = current().replace("<td>2</td><td>BOB RACER</td><td>4</td>", "<td>DNS</td><td>BOB RACER</td><td>-</td>")
    expect(parsed(parseQualPoints(html, pointsUrl("1"))).classes[0]!.entries[1]).toMatchObject({
      position: null,
      driverName: "BOB RACER",
      points: null
    })
  })

  it("reads one class per table on a page with several", () => {
    const second = current().replace(">Pro Buggy<", ">Sportsman Buggy<")
    const table = second.slice(second.indexOf(`<div class="table-responsive">`), second.lastIndexOf("</table>") + 8)
    const html = current().replace("</table>", `</table></div>${table}`)
    expect(parsed(parseQualPoints(html, pointsUrl("1"))).classes.map((c) => c.className)).toEqual([
      "Pro Buggy",
      "Sportsman Buggy"
    ])
  })

  it("has no id when the URL is another page's", () => {
    expect(parsed(parseQualPoints(current(), trackUrl("/results/?p=view_round_ranking&id=7"))).pointsId).toBeNull()
    expect(parsed(parseQualPoints(current(), trackUrl("/results/?p=view%5Fpoints&id=7390835"))).pointsId).toBe("7390835")
  })
})

describe("parseQualPoints on pages that do not fit", () => {
  it("answers a LiveRcParseError, never a throw, for every broken variant of the page", () => {
    for (const [name, html] of brokenPages(current())) {
      const error = parseFailure(parseQualPoints(html, pointsUrl("7070446")))
      expect(error._tag, name).toBe("LiveRcParseError")
      expect(error.page, name).toBe("points")
      expect(error.url, name).toBe(pointsUrl("7070446"))
      expect(error.reason, name).not.toMatch(/^unexpected parser failure/)
    }
  })

  it("refuses a page whose tables lack the #, Driver and Result columns", () => {
    expect(parseFailure(parseQualPoints(fixturePage("overall_ranking.html"), pointsUrl("1"))).reason)
      .toMatch(/no qualifying points table/)
  })

  it("refuses a Result that is neither points nor laps/time", () => {
    const html = current().replace("<td>ALICE RACER</td><td>2</td>", "<td>ALICE RACER</td><td>two</td>")
    expect(parseFailure(parseQualPoints(html, pointsUrl("1"))).reason).toBe(
      `the Result of ALICE RACER is neither points nor laps/time: "two"`
    )
  })
})
