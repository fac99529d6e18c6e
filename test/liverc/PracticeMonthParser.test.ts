import { describe, expect, it } from "vitest"
import { parsePracticeMonth } from "../../src/liverc/PracticeMonthParser.ts"
import { fixturePage, parsed, parseFailure, trackUrl } from "../support/LiveRcPages.ts"

// Built from LiveRC's conventions (no captured calendar exists): test/fixtures/liverc/README.md.
describe("parsePracticeMonth", () => {
  it("lists the month's practice days from every session_list link, either spelling, once each", () => {
    const month = parsed(parsePracticeMonth(fixturePage("practice_month.html"), trackUrl("/practice/?p=calendar&d=2025-10")))
    expect(month).toEqual({ month: "2025-10", days: ["2025-10-11", "2025-10-12", "2025-10-25"] })
  })

  it("keeps only the month the URL asks for", () => {
    const month = parsed(parsePracticeMonth(fixturePage("practice_month.html"), trackUrl("/practice/?p=calendar&d=2025-11")))
    expect(month).toEqual({ month: "2025-11", days: ["2025-11-01"] })
  })

  it("takes the first linked day's month when the URL names none", () => {
    expect(parsed(parsePracticeMonth(fixturePage("practice_month.html"), "file:///tmp/month.html")).month).toBe("2025-10")
  })

  it("reads a month without practice as no days", () => {
    const html = "<html><body><p>There are no synched up practice sessions.</p></body></html>"
    expect(parsed(parsePracticeMonth(html, trackUrl("/practice/?p=calendar&d=2025-02")))).toEqual({ month: "2025-02", days: [] })
  })

  it("ignores links to days that do not exist", () => {
    const link = (day: string) => `<a href="/practice/?p=session_list&d=${day}">${day}</a>`
    const html = `<html><body>${link("2025-02-30")}${link("2025-02-28")}</body></html>`
    expect(parsed(parsePracticeMonth(html, trackUrl("/practice/?p=calendar&d=2025-02"))).days).toEqual(["2025-02-28"])
  })

  it("refuses a page that names no month anywhere", () => {
    expect(parseFailure(parsePracticeMonth("<html></html>", "file:///tmp/x.html")).reason).toMatch(/no month/)
  })
})
