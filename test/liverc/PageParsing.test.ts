import { describe, expect, it } from "vitest"
import {
  clockTime,
  englishDate,
  integerOf,
  isComplete,
  liveRcIdOf,
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

  it("count void elements, self-closing tags, comments and script text as no nesting", () => {
    expect(nestingDepth("<div><br><img src=x><p/><!-- <div><div> --><script>if (a<b) '<div><div>'</script></div>")).toBe(2)
  })

  it("stop counting past the limit", () => {
    expect(nestingDepth("<div>".repeat(1_000_000))).toBe(MAX_NESTING + 1)
  })
})
