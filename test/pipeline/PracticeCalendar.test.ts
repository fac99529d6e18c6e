import { describe, expect, it } from "vitest"
import type { PracticeDate } from "../../src/liverc/LiveRcIds.ts"
import { daysOf, isOverEverywhere, monthsOf, rangeLength } from "../../src/pipeline/PracticeCalendar.ts"

const d = (date: string) => date as PracticeDate

describe("PracticeCalendar", () => {
  it("lists every day of a range, both ends included, across a leap day and a year end", () => {
    expect(daysOf(d("2024-02-27"), d("2024-03-01"))).toEqual(["2024-02-27", "2024-02-28", "2024-02-29", "2024-03-01"])
    expect(daysOf(d("2025-12-31"), d("2026-01-01"))).toEqual(["2025-12-31", "2026-01-01"])
    expect(daysOf(d("2025-05-05"), d("2025-05-05"))).toEqual(["2025-05-05"])
  })

  it("has no days for a range that ends before it starts", () => {
    expect(rangeLength(d("2025-05-10"), d("2025-05-01"))).toBe(0)
    expect(daysOf(d("2025-05-10"), d("2025-05-01"))).toEqual([])
    expect(rangeLength(d("2025-01-01"), d("2025-12-31"))).toBe(365)
  })

  it("names the months of the days in order, once each", () => {
    expect(monthsOf(daysOf(d("2025-11-29"), d("2026-01-02")))).toEqual(["2025-11", "2025-12", "2026-01"])
  })

  it("counts a day as over only once it has ended in every time zone", () => {
    const at = (iso: string) => Date.parse(iso)
    // UTC-12 ends 2025-10-07 at 12:00 UTC on the 8th; half a day later it counts as over.
    expect(isOverEverywhere(d("2025-10-07"), at("2025-10-08T12:00:00Z"))).toBe(false)
    expect(isOverEverywhere(d("2025-10-07"), at("2025-10-08T23:59:59Z"))).toBe(false)
    expect(isOverEverywhere(d("2025-10-07"), at("2025-10-09T00:00:00Z"))).toBe(true)
  })
})
