import { describe, expect, it } from "vitest"
import { parseEventPage } from "../../src/liverc/EventPageParser.ts"
import { parseRaceResult } from "../../src/liverc/RaceResultParser.ts"
import { parseRoundRanking } from "../../src/liverc/RoundRankingParser.ts"
import { brokenPages } from "../support/BrokenPages.ts"
import { capturedPage, fixturePage, parsed, parseFailure, trackUrl } from "../support/LiveRcPages.ts"
import { eventWithStandings, simPage, simWorld } from "../support/SimStandings.ts"

const rankingUrl = (id: string, order?: string) =>
  trackUrl(`/results/?p=view_round_ranking&id=${id}${order === undefined ? "" : `&o=${order}`}`)
const headings = () => fixturePage("round_ranking.html")
const classHeaders = () => fixturePage("round_ranking_class_header.html")

describe("parseRoundRanking with class names in headings above the tables", () => {
  const ranking = parsed(parseRoundRanking(headings(), rankingUrl("1470838", "laps_time")))

  it("reads the id, the order from o=, the panel title and one class per table", () => {
    expect([ranking.roundId, ranking.order, ranking.title]).toEqual(["1470838", "laps_time", "Qualifier Round 1 Rankings"])
    expect(ranking.classes.map((c) => [c.className, c.entries.length])).toEqual([
      ["1/8 Electric Buggy", 3],
      ["1/8 Nitro Buggy", 2]
    ])
  })

  it("reads 16/10:32.136 as 16 laps in 632136 ms", () => {
    expect(ranking.classes[0]!.entries[0]).toEqual({
      position: 1,
      driverName: "ARI BAKLA",
      sourceDriverId: null,
      carNumber: null,
      result: "16/10:32.136",
      laps: 16,
      totalTimeMs: 632136,
      valueMs: null,
      fastLapMs: null
    })
    expect(ranking.classes[0]!.entries.map((e) => [e.position, e.driverName, e.laps, e.totalTimeMs])).toEqual([
      [1, "ARI BAKLA", 16, 632136],
      [2, "MATTHEW COUPER", 16, 640519],
      [3, "TANNER WHITE", 15, 603877]
    ])
  })
})

describe("parseRoundRanking with the class in the table head and hidden sort keys", () => {
  const ranking = parsed(parseRoundRanking(classHeaders(), rankingUrl("1471194", "top_3_consecutive")))

  it("reads the class header, drops the hidden sort key and keeps a DNS row", () => {
    expect(ranking.order).toBe("top_3_consecutive")
    const [stock, nitro] = ranking.classes
    expect(stock!.className).toBe("Stock & Modified")
    expect(stock!.entries.map((e) => [e.position, e.driverName, e.result, e.laps, e.totalTimeMs])).toEqual([
      [1, "JANE RACER", "20/5:01.123", 20, 301123],
      [2, "ALEX RACER", "DNS", null, null]
    ])
    expect(nitro!.className).toBe("1/8 Nitro Buggy")
  })

  it("reads a value that is a time alone (top 3 consecutive) as valueMs", () => {
    expect(ranking.classes[1]!.entries.map((e) => [e.driverName, e.result, e.laps, e.valueMs])).toEqual([
      ["FELIX KOEGLER", "1:51.828", null, 111828],
      ["ARI BAKLA", "1:52.045", null, 112045]
    ])
  })
})

describe("parseRoundRanking on pages the simulator serves", () => {
  it("parses every round ranking an event links, matching the tables it was rendered from", () => {
    const eventId = eventWithStandings()
    const event = parsed(parseEventPage(simPage(`/results/?p=view_event&id=${eventId}`), trackUrl(`/results/?p=view_event&id=${eventId}`)))
    expect(event.roundRankings.length).toBeGreaterThan(0)
    for (const link of event.roundRankings) {
      const ranking = parsed(parseRoundRanking(
        simPage(`/results/?p=view_round_ranking&id=${link.id}&o=${link.order}`),
        rankingUrl(link.id, link.order!)
      ))
      const { tables } = simWorld().roundRanking(link.id)
      expect([ranking.roundId, ranking.order, ranking.title]).toEqual([link.id, "laps_time", link.label])
      expect(ranking.classes.map((c) => c.className)).toEqual(tables.map((t) => t.className))
      ranking.classes.forEach((cls, c) => {
        expect(cls.entries.map((e) => [e.position, e.driverName, e.result])).toEqual(
          tables[c]!.rows.map((row) => [row.position, row.driver, row.value])
        )
        expect(cls.entries.every((e) => e.laps! > 0 && e.totalTimeMs! > 0 && e.valueMs === null)).toBe(true)
      })
    }
  })

  it("parses the round rankings event 486677's real page links, each ranking the heats of its round as served", () => {
    const event = parsed(parseEventPage(capturedPage("event-486677/event.html"), trackUrl("/results/?p=view_event&id=486677")))
    expect(event.roundRankings.map((r) => r.id)).toEqual(["1470838", "1470839", "1471194"])
    for (const [index, link] of event.roundRankings.entries()) {
      const ranking = parsed(parseRoundRanking(
        simPage(`/results/?p=view_round_ranking&id=${link.id}&o=laps_time`),
        rankingUrl(link.id, "laps_time")
      ))
      expect([ranking.roundId, ranking.order, ranking.title]).toEqual([link.id, "laps_time", link.label])
      const heats = event.races.filter((race) => race.round === `Qualifier Round ${index + 1}`)
      expect(ranking.classes.map((c) => c.className).sort()).toEqual([...new Set(heats.map((race) => race.className))].sort())
      for (const cls of ranking.classes) {
        // Every driver of the class's heats once, at the best laps/time they did in one of them.
        const runs = heats.filter((race) => race.className === cls.className).flatMap((race) => {
          const url = trackUrl(`/results/?p=view_race_result&id=${race.raceId}`)
          return parsed(parseRaceResult(simPage(`/results/?p=view_race_result&id=${race.raceId}`), url)).results
        })
        expect(cls.entries.map((e) => e.driverName).sort()).toEqual([...new Set(runs.map((row) => row.driverName))].sort())
        for (const entry of cls.entries) {
          const best = Math.max(...runs.filter((row) => row.driverName === entry.driverName).map((row) => row.lapsCompleted))
          expect(entry.laps, `${link.label} ${entry.driverName}`).toBe(best)
        }
        expect(cls.entries.map((e) => e.position)).toEqual(cls.entries.map((_, i) => i + 1))
      }
    }
  })
})

describe("parseRoundRanking on variations", () => {
  it("reads a fastest-lap column by its label, without its <sup> lap number", () => {
    const html = headings()
      .replace("<th>Laps/Time</th></tr>", "<th>Laps/Time</th><th>Fastest Lap</th></tr>")
      .replace("<td>16/10:32.136</td>", "<td>16/10:32.136</td><td>37.234<sup>10</sup></td>")
    const ari = parsed(parseRoundRanking(html, rankingUrl("1"))).classes[0]!.entries[0]!
    expect([ari.totalTimeMs, ari.fastLapMs]).toEqual([632136, 37234])
  })

  it("does not give a table without a heading the name of the class above the previous table", () => {
    const html = headings().replace("<h4>1/8 Nitro Buggy</h4>", "")
    expect(parsed(parseRoundRanking(html, rankingUrl("1"))).classes.map((c) => c.className)).toEqual([
      "1/8 Electric Buggy",
      null
    ])
  })

  it("does not take the panel title or the page header above it as the first table's class", () => {
    const html = headings().replace("<h4>1/8 Electric Buggy</h4>", "")
    expect(parsed(parseRoundRanking(html, rankingUrl("1"))).classes.map((c) => c.className)).toEqual([
      null,
      "1/8 Nitro Buggy"
    ])
    const plainTitle = headings().replace("<h4>1/8 Electric Buggy</h4>", "").replace("Qualifier Round 1 Rankings</div>", "Round 1</div>")
    expect(parsed(parseRoundRanking(plainTitle, rankingUrl("1"))).classes[0]!.className).toBeNull()
  })

  it("finds a heading above a table wrapped in div.table-responsive", () => {
    const html = headings().replace(
      /<table class="table table-striped" width="100%">([\s\S]*?)<\/table>/,
      `<div class="table-responsive"><table class="table table-striped" width="100%">$1</table></div>`
    )
    expect(parsed(parseRoundRanking(html, rankingUrl("1"))).classes.map((c) => c.className)).toEqual([
      "1/8 Electric Buggy",
      "1/8 Nitro Buggy"
    ])
  })

  it("keeps a row whose position is not a number", () => {
    const html = headings().replace("<tr><td>3</td><td>TANNER WHITE</td>", "<tr><td>DQ</td><td>TANNER WHITE</td>")
    expect(parsed(parseRoundRanking(html, rankingUrl("1"))).classes[0]!.entries[2]).toMatchObject({
      position: null,
      driverName: "TANNER WHITE",
      laps: 15
    })
  })

  it("has no order for an o= it does not know, and no id for another page's URL", () => {
    expect(parsed(parseRoundRanking(headings(), rankingUrl("5", "avg_top_5")))).toMatchObject({ roundId: "5", order: null })
    expect(parsed(parseRoundRanking(headings(), trackUrl("/results/?p=view_points&id=5")))).toMatchObject({
      roundId: null,
      order: null
    })
    expect(parsed(parseRoundRanking(headings(), trackUrl("/results/?p=view%5Fround%5Franking&id=1516678"))).roundId)
      .toBe("1516678")
  })
})

describe("parseRoundRanking on pages that do not fit", () => {
  it("answers a LiveRcParseError, never a throw, for every broken variant of either layout", () => {
    for (const good of [headings(), classHeaders()]) {
      for (const [name, html] of brokenPages(good)) {
        const error = parseFailure(parseRoundRanking(html, rankingUrl("1470838")))
        expect(error._tag, name).toBe("LiveRcParseError")
        expect(error.page, name).toBe("round-ranking")
        expect(error.url, name).toBe(rankingUrl("1470838"))
        expect(error.reason, name).not.toMatch(/^unexpected parser failure/)
      }
    }
  })

  it("refuses a page whose only tables are neither rankings nor class tables", () => {
    const html = headings().replace(/<thead>[\s\S]*?<\/thead>/g, "")
    expect(parseFailure(parseRoundRanking(html, rankingUrl("1"))).reason).toMatch(/no round ranking table/)
  })

  it("refuses a ranking row that names no driver", () => {
    const html = headings().replace("<td>ARI BAKLA</td>", "<td><div class=\"hidden\">x</div></td>")
    expect(parseFailure(parseRoundRanking(html, rankingUrl("1"))).reason).toBe("row 1 has no driver name")
  })
})
