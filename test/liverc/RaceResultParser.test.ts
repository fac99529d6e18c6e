import { describe, expect, it } from "vitest"
import type { RaceResult, RaceResultRow } from "../../src/liverc/models/RaceResult.ts"
import { parseRaceResult } from "../../src/liverc/RaceResultParser.ts"
import { capturedPage, parsed, parseFailure, trackUrl } from "../support/LiveRcPages.ts"

const raceUrl = (id: string) => trackUrl(`/results/?p=view_race_result&id=${id}`)
const race6304829 = () => capturedPage("event-486677/race.6304829.html")
const race6304822 = () => capturedPage("event-486677/race.6304822.html")

type Expected = [
  position: number,
  id: string,
  name: string,
  car: string,
  qual: number,
  laps: number,
  totalMs: number | null,
  fastMs: number | null,
  fastLap: number | null,
  avgMs: number | null,
  consistency: number | null
]

// Race 6304829, 1/8 Nitro Buggy A-Main: every value as LiveRC prints it (domain notes §10.1).
const expected6304829: ReadonlyArray<Expected> = [
  [1, "346997", "FELIX KOEGLER", "1", 1, 47, 1831382, 37234, 10, 38983, 92.82],
  [2, "298958", "ARI BAKLA", "3", 3, 47, 1843434, 36017, 45, 39088, 92.7],
  [3, "152729", "JIMMY HORNE", "4", 4, 46, 1810439, 37418, 45, 39208, 93.88],
  [4, "600723", "MATTHEW COUPER", "2", 2, 46, 1815289, 36888, 44, 39363, 92.98],
  [5, "298954", "PETER SECKOLD", "5", 5, 46, 1832861, 36788, 27, 39681, 91.56],
  [6, "386607", "BEN PANIC", "6", 6, 45, 1814289, 37934, 11, 40277, 91.08],
  [7, "152727", "KEV LEWIS", "8", 8, 44, 1801861, 37582, 37, 40777, 91.75],
  [8, "222660", "MITCHELL SCOTT", "12", 12, 44, 1816858, 38968, 27, 41211, 94.22],
  [9, "152749", "DALLAS GARDINER", "10", 10, 44, 1825657, 38763, 25, 41365, 90.65],
  [10, "152738", "LINDSAY FROST", "9", 9, 22, 1025169, 37625, 6, 46588, 51.59],
  [11, "731652", "RYAN REYNOLDS", "7", 7, 13, 513797, 38491, 11, 39400, 97.45],
  [12, "731648", "RILEY LANDER", "11", 11, 0, null, null, null, null, null]
]

const expected6304822: ReadonlyArray<Expected> = [
  [1, "298958", "ARI BAKLA", "2", 2, 16, 614477, 36589, 9, 38405, 96.39],
  [2, "699207", "TANNER WHITE", "5", 5, 15, 610510, 38626, 6, 40701, 94.6],
  [3, "594133", "ALEX BROWN", "6", 6, 15, 624192, 39942, 3, 41613, 97.64],
  [4, "488684", "MARK WALLIN", "7", 7, 15, 638315, 39806, 10, 42554, 90.43],
  [5, "386625", "LACHLAN BROPHY", "9", 9, 15, 645242, 40279, 5, 43016, 95.72],
  [6, "553191", "GREG ROSANDER", "10", 10, 11, 543027, 41122, 8, 49366, 79.17],
  [7, "600723", "MATTHEW COUPER", "1", 1, 9, 338796, 36441, 4, 37644, 98.09],
  [8, "731648", "RILEY LANDER", "3", 3, 0, null, null, null, null, null],
  [9, "505722", "STEPHEN SNEDDEN", "4", 4, 0, null, null, null, null, null],
  [10, "433628", "LEE BAGGULEY", "8", 8, 0, null, null, null, null, null]
]

const summary = (row: RaceResultRow): Expected => [
  row.position!,
  row.sourceDriverId!,
  row.driverName,
  row.carNumber!,
  row.qualPosition!,
  row.lapsCompleted,
  row.totalTimeMs,
  row.fastLapMs,
  row.fastLapNumber,
  row.avgLapMs,
  row.consistencyPct
]

const lapCount = (race: RaceResult) => race.results.reduce((sum, row) => sum + row.laps.length, 0)

describe("parseRaceResult on race 6304829 (1/8 Nitro Buggy A-Main)", () => {
  const race = parsed(parseRaceResult(race6304829(), raceUrl("6304829")))

  it("reads the race banner and the id from the URL", () => {
    expect(race.raceId).toBe("6304829")
    expect(race.raceNumber).toBe(14)
    expect(race.className).toBe("1/8 Nitro Buggy A-Main")
    expect(race.round).toBe("Main Events")
  })

  it("reads all 12 rows exactly, with the fastest lap apart from its <sup> lap number", () => {
    expect(race.results.map(summary)).toEqual(expected6304829)
  })

  it("holds 444 laps in total: 47, 47 and 46 for drivers 346997, 298958 and 152729", () => {
    expect(race.results).toHaveLength(12)
    expect(lapCount(race)).toBe(444)
    const laps = (id: string) => race.results.find((row) => row.sourceDriverId === id)!.laps.length
    expect([laps("346997"), laps("298958"), laps("152729")]).toEqual([47, 47, 46])
  })

  it("reads FELIX KOEGLER's laps from racerLaps without the lap-0 start line", () => {
    const laps = race.results[0]!.laps
    expect(laps.slice(0, 3)).toEqual([
      { lap: 1, position: 1, timeMs: 38170 },
      { lap: 2, position: 1, timeMs: 37922 },
      { lap: 3, position: 1, timeMs: 39883 }
    ])
    expect(laps.map((lap) => lap.lap)).toEqual(Array.from({ length: 47 }, (_, i) => i + 1))
    expect(race.results[1]!.laps[0]).toEqual({ lap: 1, position: 6, timeMs: 45372 })
  })

  it("has, for every finisher, one lap per lap completed summing to the total time", () => {
    for (const row of race.results.filter((r) => r.lapsCompleted > 0)) {
      expect(row.laps.length, row.driverName).toBe(row.lapsCompleted)
      expect(row.laps.reduce((sum, lap) => sum + lap.timeMs, 0), row.driverName).toBe(row.totalTimeMs)
    }
  })

  it("has the fastest lap equal to the quickest lap in racerLaps, on the lap the superscript names", () => {
    for (const row of race.results.filter((r) => r.lapsCompleted > 0)) {
      const quickest = row.laps.reduce((best, lap) => (lap.timeMs < best.timeMs ? lap : best))
      expect([row.fastLapMs, row.fastLapNumber], row.driverName).toEqual([quickest.timeMs, quickest.lap])
    }
  })

  it("keeps the non-starter RILEY LANDER with 0 laps, null times and the id recovered by name", () => {
    expect(race.results[11]).toEqual({
      position: 12,
      driverName: "RILEY LANDER",
      sourceDriverId: "731648",
      carNumber: "11",
      qualPosition: 11,
      lapsCompleted: 0,
      totalTimeMs: null,
      fastLapMs: null,
      fastLapNumber: null,
      avgLapMs: null,
      consistencyPct: null,
      laps: []
    })
  })
})

describe("parseRaceResult on race 6304822 (1/8 Electric Buggy A3-Main)", () => {
  const race = parsed(parseRaceResult(race6304822(), raceUrl("6304822")))

  it("reads all 10 rows and 96 laps", () => {
    expect([race.raceNumber, race.className, race.round]).toEqual([13, "1/8 Electric Buggy A3-Main", "Main Events"])
    expect(race.results.map(summary)).toEqual(expected6304822)
    expect(lapCount(race)).toBe(96)
  })

  it("recovers the three non-starters' ids from racerLaps by name", () => {
    const nonStarters = race.results.filter((row) => row.lapsCompleted === 0)
    expect(nonStarters.map((row) => [row.driverName, row.sourceDriverId, row.laps])).toEqual([
      ["RILEY LANDER", "731648", []],
      ["STEPHEN SNEDDEN", "505722", []],
      ["LEE BAGGULEY", "433628", []]
    ])
  })

  it("sums every finisher's laps to the total time", () => {
    for (const row of race.results.filter((r) => r.lapsCompleted > 0)) {
      expect(row.laps.reduce((sum, lap) => sum + lap.timeMs, 0), row.driverName).toBe(row.totalTimeMs)
    }
  })
})

describe("parseRaceResult on variations of a real page", () => {
  it("omits raceId when the URL is not a race result URL", () => {
    const race = parsed(parseRaceResult(race6304822(), "file:///tmp/race.html"))
    expect("raceId" in race).toBe(false)
  })

  it("reads the id from a %5F-encoded race URL", () => {
    const race = parsed(parseRaceResult(race6304822(), trackUrl("/results/?p=view%5Frace%5Fresult&id=6304822")))
    expect(race.raceId).toBe("6304822")
  })

  it("recovers an apostrophe name escaped as \\' in racerLaps and as &#39; in the table", () => {
    const html = race6304829()
      .replace("driverNames.push('RILEY LANDER')", "driverNames.push('MATTHEW O\\'LOUGHLIN')")
      .replace("'driverName' : 'RILEY LANDER'", "'driverName' : 'MATTHEW O\\'LOUGHLIN'")
      .replace(`<span class="driver_name">RILEY LANDER</span>`, `<span class="driver_name">MATTHEW O&#39;LOUGHLIN</span>`)
    const row = parsed(parseRaceResult(html, raceUrl("6304829"))).results[11]!
    expect([row.driverName, row.sourceDriverId]).toEqual(["MATTHEW O'LOUGHLIN", "731648"])
  })

  it("strips a qual number printed before the driver's name", () => {
    const html = race6304829().replace(
      `<span class="driver_name">FELIX KOEGLER</span>`,
      `<span class="driver_name">1 FELIX KOEGLER</span>`
    )
    expect(parsed(parseRaceResult(html, raceUrl("6304829"))).results[0]!.driverName).toBe("FELIX KOEGLER")
  })

  it("keeps a disqualified row with a null position", () => {
    const html = race6304829().replace("<td>12</td>\n\t\t\t\t\t\t\t\t\t\t<td>\n", "<td>DQ</td>\n\t\t\t\t\t\t\t\t\t\t<td>\n")
    const race = parsed(parseRaceResult(html, raceUrl("6304829")))
    expect(race.results).toHaveLength(12)
    expect(race.results[11]).toMatchObject({ position: null, driverName: "RILEY LANDER" })
  })

  it("reads an H:MM:SS total time", () => {
    const html = race6304829().replace("<td>47/30:31.382</td>", "<td>47/1:00:31.382</td>")
    expect(parsed(parseRaceResult(html, raceUrl("6304829"))).results[0]!.totalTimeMs).toBe(3631382)
  })

  it("does not count a block already claimed by a row's data-driver-id as a namesake", () => {
    const html = race6304829().replace("'driverName' : 'RYAN REYNOLDS'", "'driverName' : 'RILEY LANDER'")
    expect(parsed(parseRaceResult(html, raceUrl("6304829"))).results[11]!.sourceDriverId).toBe("731648")
  })

  it("leaves an id null rather than guess between two unclaimed blocks of the same name", () => {
    const html = race6304829()
      .replace("'driverName' : 'RYAN REYNOLDS'", "'driverName' : 'RILEY LANDER'")
      .replace(`data-driver-id="731652"`, `data-x="731652"`)
    const rows = parsed(parseRaceResult(html, raceUrl("6304829"))).results
    expect([rows[10]!.sourceDriverId, rows[11]!.sourceDriverId]).toEqual([null, null])
    expect(rows[10]!.laps).toEqual([])
  })

  it("finds the results table by its Pos header when the race_result class is missing", () => {
    const html = race6304829().replace("table table-striped race_result", "table table-striped")
    expect(parsed(parseRaceResult(html, raceUrl("6304829"))).results).toHaveLength(12)
  })

  it("reads a race not run yet (no rows, no racerLaps) as an empty result", () => {
    const html = race6304829()
      .replace(/racerLaps\[\d+\] = \{/g, "notRacerLaps = {")
      .replace(/<tbody>[\s\S]*?<\/tbody>/, "<tbody></tbody>")
    const race = parsed(parseRaceResult(html, raceUrl("6304829")))
    expect(race.results).toEqual([])
  })
})

describe("parseRaceResult on pages that do not fit", () => {
  it("refuses a page cut short", () => {
    const html = race6304829()
    const error = parseFailure(parseRaceResult(html.slice(0, html.length - 200), raceUrl("6304829")))
    expect(error).toMatchObject({
      _tag: "LiveRcParseError",
      page: "race-result",
      url: raceUrl("6304829"),
      reason: "the page is incomplete (no closing </html>)"
    })
  })

  it("refuses a page without a results table", () => {
    const error = parseFailure(parseRaceResult(capturedPage("event-486677/event.html"), raceUrl("1")))
    expect(error.reason).toMatch(/no race result table/)
  })

  it("refuses a broken racerLaps block instead of dropping that driver's laps", () => {
    const html = race6304829().replace("'time' : '38.17',", "'time' : '38.17,")
    expect(parseFailure(parseRaceResult(html, raceUrl("6304829"))).reason).toMatch(/^racerLaps\[346997\]/)
  })

  it("refuses a lap time that is not a time", () => {
    const html = race6304829().replace("'time' : '38.17',", "'time' : 'fast',")
    expect(parseFailure(parseRaceResult(html, raceUrl("6304829"))).reason).toMatch(/lap 1 with time "fast"/)
  })

  it("refuses a Laps/Time cell it cannot read", () => {
    const html = race6304829().replace("<td>47/30:31.382</td>", "<td>forty-seven</td>")
    expect(parseFailure(parseRaceResult(html, raceUrl("6304829"))).reason).toMatch(/laps\/time of FELIX KOEGLER/)
  })
})
