import { describe, expect, it } from "vitest"
import { classAndTransponder, parsePracticeDay } from "../../src/liverc/PracticeDayParser.ts"
import { fixturePage, parsed, parseFailure, trackUrl } from "../support/LiveRcPages.ts"

// Built from LiveRC's conventions (no captured session list exists): test/fixtures/liverc/README.md.
const dayUrl = trackUrl("/practice/?p=session_list&d=2025-10-25")

describe("parsePracticeDay", () => {
  it("reads every session of the day", () => {
    expect(parsed(parsePracticeDay(fixturePage("practice_day.html"), dayUrl))).toEqual({
      date: "2025-10-25",
      sessions: [
        {
          sessionId: "21290331",
          driverName: "ARI BAKLA",
          className: "1/8 Electric Buggy",
          transponder: "7654321",
          startedAt: "2025-10-25T14:43:27",
          lapCount: 9,
          durationMs: 410000,
          fastLapMs: 34746,
          avgLapMs: 45584
        },
        {
          sessionId: "21290407",
          driverName: "MATTHEW O'LOUGHLIN",
          className: "1/10 Stadium Truck (2WD)",
          transponder: "1234567",
          startedAt: "2025-10-25T16:36:38",
          lapCount: 14,
          durationMs: 662000,
          fastLapMs: 62345,
          avgLapMs: 65001
        },
        {
          sessionId: "21290415",
          driverName: "NEW DRIVER",
          className: "Unknown Class",
          transponder: null,
          startedAt: "2025-10-25T17:05:00",
          lapCount: 1,
          durationMs: 52000,
          fastLapMs: 52100,
          avgLapMs: 52100
        }
      ]
    })
  })

  it("takes the date from the page when the URL has none", () => {
    expect(parsed(parsePracticeDay(fixturePage("practice_day.html"), "file:///tmp/day.html")).date).toBe("2025-10-25")
    expect(parsed(parsePracticeDay(fixturePage("practice_day_empty.html"), "file:///tmp/day.html"))).toEqual({
      date: "2025-10-26",
      sessions: []
    })
  })

  it("reads a day without practice as an empty list", () => {
    const empty = parsed(parsePracticeDay(fixturePage("practice_day_empty.html"), trackUrl("/practice/?p=session_list&d=2025-10-26")))
    expect(empty).toEqual({ date: "2025-10-26", sessions: [] })
  })

  it("refuses a page that is neither a session list nor says there is none", () => {
    expect(parseFailure(parsePracticeDay(fixturePage("practice_month.html").replace(/no practice sessions/g, ""), dayUrl)).reason)
      .toMatch(/no session table/)
  })

  it("refuses a session without a start time instead of inventing one", () => {
    const html = fixturePage("practice_day.html").replace(`<div class="hidden">2025-10-25 16:36:38</div>`, "")
    expect(parseFailure(parsePracticeDay(html, dayUrl)).reason).toBe("session 21290407 has no start time")
  })
})

describe("classAndTransponder", () => {
  it("takes the transponder from the last parenthesis", () => {
    expect(classAndTransponder("1/10 Stadium Truck (2WD) (1234567)")).toEqual({
      className: "1/10 Stadium Truck (2WD)",
      transponder: "1234567"
    })
    expect(classAndTransponder("Unknown Class")).toEqual({ className: "Unknown Class", transponder: null })
    expect(classAndTransponder("")).toEqual({ className: null, transponder: null })
  })
})
