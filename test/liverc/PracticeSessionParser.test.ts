import { describe, expect, it } from "vitest"
import { parsePracticeSession } from "../../src/liverc/PracticeSessionParser.ts"
import { fixturePage, parsed, parseFailure, trackUrl } from "../support/LiveRcPages.ts"

// Built from LiveRC's conventions (no captured session page exists): test/fixtures/liverc/README.md.
const sessionUrl = trackUrl("/practice/?p=view_session&id=21290331")

describe("parsePracticeSession", () => {
  const session = parsed(parsePracticeSession(fixturePage("practice_session.html"), sessionUrl))

  it("reads the session's details", () => {
    expect({ ...session, laps: session.laps.length }).toEqual({
      sessionId: "21290331",
      driverName: "ARI BAKLA",
      className: "1/8 Electric Buggy",
      transponder: "7654321",
      startedAt: "2025-10-25T14:43:27",
      durationMs: 410000,
      lapCount: 9,
      fastLapMs: 34746,
      avgLapMs: 45584,
      consistencyPct: 70.56,
      laps: 9
    })
  })

  it("reads the laps from lapsObj, summing to the session length", () => {
    expect(session.laps.slice(0, 3)).toEqual([
      { lap: 1, timeMs: 78310 },
      { lap: 2, timeMs: 36900 },
      { lap: 3, timeMs: 35512 }
    ])
    expect(session.laps.reduce((sum, lap) => sum + lap.timeMs, 0)).toBe(410256)
    expect(Math.min(...session.laps.map((lap) => lap.timeMs))).toBe(session.fastLapMs)
  })

  it("falls back to a racerLaps block keyed by the transponder", () => {
    const html = fixturePage("practice_session.html").replace(
      /var lapsObj = \[.*\];/,
      `racerLaps[7654321] = { 'driverName' : 'ARI BAKLA', 'laps' : [ ` +
        `{ 'lapNum' : '0', 'pos' : '1', 'time' : '0' }, { 'lapNum' : '1', 'pos' : '1', 'time' : '40.5' } ] };`
    )
    expect(parsed(parsePracticeSession(html, sessionUrl)).laps).toEqual([{ lap: 1, timeMs: 40500 }])
  })

  it("refuses a session without a date instead of assuming today", () => {
    const html = fixturePage("practice_session.html").replace("Date: October 25, 2025 (Saturday)<br />", "")
    expect(parseFailure(parsePracticeSession(html, sessionUrl)).reason).toMatch(/no session date/)
  })

  it("refuses laps out of order", () => {
    const html = fixturePage("practice_session.html").replace(`{"x":"3",`, `{"x":"1",`)
    expect(parseFailure(parsePracticeSession(html, sessionUrl)).reason).toBe("lap 1 follows lap 2")
  })
})
