import type { AnyNode } from "domhandler"
import fc from "fast-check"
import { load } from "cheerio"
import { parseDocument } from "htmlparser2"
import { describe, expect, it } from "vitest"
import {
  clockTime,
  englishDate,
  integerOf,
  isComplete,
  liveRcIdOf,
  loadPage,
  MAX_NESTING,
  nestingDepth,
  pageOf,
  queryParams,
  sortableDateTime
} from "../../src/liverc/PageParsing.ts"
import { capturedPage } from "../support/LiveRcPages.ts"

describe("queryParams and pageOf", () => {
  it("read relative, absolute and %5F-encoded LiveRC links alike", () => {
    expect(pageOf(queryParams("/results/?p=view_race_result&id=6304829"))).toBe("view_race_result")
    expect(pageOf(queryParams("/results/?p=view%5Frace%5Fresult&id=6304829"))).toBe("view_race_result")
    expect(pageOf(queryParams("https://x.liverc.com/results/?P=View%5fRace%5fResult&ID=1#top"))).toBe("view_race_result")
    expect(queryParams("/results/?p=view_round_ranking&id=1470838&o=laps_time").get("o")).toBe("laps_time")
  })

  it("survive malformed escapes and missing queries", () => {
    expect(queryParams("/results/?p=%E0%A4%A&id=1").get("p")).toBeUndefined()
    expect(queryParams("/results/?p=%E0%A4%A&id=1").get("id")).toBe("1")
    expect(queryParams("/results/").size).toBe(0)
  })
})

describe("liveRcIdOf and integerOf", () => {
  it("accept LiveRC ids and whole numbers only", () => {
    expect(liveRcIdOf("6304829")).toBe("6304829")
    for (const bad of ["0", "012", "1e3", "1234567890123", "../1", "", undefined]) expect(liveRcIdOf(bad), String(bad)).toBeNull()
    expect(integerOf("4,129")).toBe(4129)
    expect(integerOf(" 71 ")).toBe(71)
    expect(integerOf("DQ")).toBeNull()
    expect(integerOf("")).toBeNull()
  })
})

describe("dates and times", () => {
  it("read LiveRC's English dates and clock times", () => {
    expect(englishDate("Nov 16, 2025")).toBe("2025-11-16")
    expect(englishDate("October 25, 2025 (Saturday)")).toBe("2025-10-25")
    expect(englishDate("Sept 1, 2025")).toBe("2025-09-01")
    expect(englishDate("Feb 30, 2025")).toBeNull()
    expect(englishDate("Marvel 1, 2025")).toBeNull()
    expect(clockTime("5:30pm")).toBe("17:30:00")
    expect(clockTime("12am")).toBe("00:00:00")
    expect(clockTime("12:05 PM")).toBe("12:05:00")
    expect(clockTime("2:43:27pm")).toBe("14:43:27")
    expect(clockTime("13:00pm")).toBeNull()
  })

  it("read the sortable date-time LiveRC hides for DataTables", () => {
    expect(sortableDateTime("2025-11-16 08:30:00")).toBe("2025-11-16T08:30:00")
    expect(sortableDateTime("2025-11-16")).toBe("2025-11-16T00:00:00")
    expect(sortableDateTime("2025-13-16 08:30:00")).toBeNull()
    expect(sortableDateTime("2025-11-16 24:00:00")).toBeNull()
  })
})

describe("isComplete and nestingDepth", () => {
  it("know a page cut before </html>", () => {
    const page = capturedPage("event-486677/race.6304822.html")
    expect(isComplete(page)).toBe(true)
    expect(isComplete(page.slice(0, -10))).toBe(false)
  })

  it("measure the real pages as shallow", () => {
    for (const name of ["track_catalogue.html", "canberraoffroad_events.html", "event-486677/race.6304829.html"]) {
      expect(nestingDepth(capturedPage(name)), name).toBeLessThan(30)
    }
  })

  it("count as htmlparser2's tree nests: void elements, comments and script text do not nest, <p/> does", () => {
    expect(nestingDepth("<div><br><img src=x><!-- <div><div> --><script>if (a<b) '<div><div>'</script></div>")).toBe(2)
    // Not self-closing in HTML: the p stays open, and the script sits inside it.
    expect(nestingDepth("<div><br><p/><script>'<div>'</script></div>")).toBe(3)
  })

  it("see the nesting the old hand-rolled count missed (issue 12)", () => {
    expect(nestingDepth(`${"<div a=\"/>\">".repeat(10)}</html>`)).toBe(10)
    expect(nestingDepth(`${"<div/>".repeat(10)}</html>`)).toBe(10)
    expect(nestingDepth(`${"<!--><div>".repeat(10)}</html>`)).toBe(10)
  })

  it("agree with the depth of the tree htmlparser2 builds, on token soup", () => {
    const treeDepth = (node: AnyNode): number =>
      "children" in node ? 1 + Math.max(0, ...node.children.map(treeDepth)) : 0
    const token = fc.constantFrom("<div>", "</div>", "<div/>", "<!-->", "<!--", "-->", "<div a=\"/>\">", "<p>", "<li>", "<td>",
      "<tr>", "<table>", "</table>", "<br>", "<br/>", "</br>", "<script>", "</script>", "<svg>", "<path/>", "</svg>", "x", "<")
    fc.assert(fc.property(fc.array(token, { maxLength: 60 }), (parts) => {
      const html = parts.join("")
      const document = parseDocument(html, { xmlMode: false, decodeEntities: true })
      // The document node itself is not an element.
      expect(nestingDepth(html, 10_000)).toBe(treeDepth(document) - 1)
    }), { numRuns: 2000 })
  })

  it("stop counting past the limit", () => {
    expect(nestingDepth("<div>".repeat(1_000_000))).toBe(MAX_NESTING + 1)
  })
})

describe("loadPage's selector search", () => {
  // The selectors the parsers use, and a few with combinators.
  const SELECTORS = [
    "table", "tr", "td", "th", "tbody", "a[href]", "table.race_result", "table.table-sm tr", "thead .class_header", "thead tr",
    "span.fa, i", "div.panel-heading", "ul.nav.nav-pills li a[href]", "table > tr > td", "td + td", "th ~ td", "div span",
    "[data-driver-id]", "script", "body", "*"
  ]
  const plain = (html: string) => load(parseDocument(html, { xmlMode: false, decodeEntities: true }), { xml: { xmlMode: false, decodeEntities: true } })

  it("finds what cheerio finds, in the same order, from the root and from selections", () => {
    const pages = [
      capturedPage("event-486677/race.6304829.html"),
      capturedPage("event-486677/event.html"),
      capturedPage("canberraoffroad_dashboard.html")
    ]
    const token = fc.constantFrom("<table>", "</table>", "<table class=\"race_result\">", "<tr>", "</tr>", "<td>", "<th>", "<thead>",
      "<tbody>", "<div>", "</div>", "<span class=\"class_header\">", "<a href=x>", "</a>", "<i>", "<span class=fa>", "x", "<ul class=\"nav nav-pills\"><li>")
    const soups = fc.sample(fc.array(token, { maxLength: 80 }), { numRuns: 300, seed: 7 }).map((parts) => `${parts.join("")}</html>`)
    for (const html of [...pages, ...soups]) {
      const ours = loadPage(html)
      const theirs = plain(html)
      for (const selector of SELECTORS) {
        const expected = theirs(selector).toArray()
        const found = ours(selector).toArray()
        // Same positions in two trees of the same page: compare by the nodes' source offsets.
        expect(found.map((n) => n.startIndex), selector).toEqual(expected.map((n) => n.startIndex))
        for (const scope of ["table", "tr", "div", "thead"]) {
          const scoped = ours(scope).find(selector).toArray().map((n) => n.startIndex)
          expect(scoped, `${scope} -> ${selector}`).toEqual(theirs(scope).find(selector).toArray().map((n) => n.startIndex))
          const first = ours(scope).first().find(selector).toArray().map((n) => n.startIndex)
          expect(first, `${scope}:first -> ${selector}`).toEqual(theirs(scope).first().find(selector).toArray().map((n) => n.startIndex))
        }
      }
    }
  })

  it("costs linear time on a node with many children (cheerio's own search is quadratic there)", () => {
    const html = `${"<th>Pos</th>".repeat(40_000)}</html>`
    const started = performance.now()
    const $ = loadPage(html)
    for (let i = 0; i < 5; i++) expect($("table.race_result").length).toBe(0)
    expect($("th").length).toBe(40_000)
    expect(performance.now() - started).toBeLessThan(2_000)
  })
})
