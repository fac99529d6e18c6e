import { describe, expect, it } from "vitest"
import {
  addSeconds,
  clock,
  clockTime,
  clockTimeWithSeconds,
  duration,
  html,
  hundredths,
  hundredths3,
  jsSeconds,
  jsString,
  longDateWithWeekday,
  seconds3,
  shortDate,
  thousands
} from "../../src/sim/LiveRcFormat.ts"

describe("LiveRcFormat", () => {
  it("writes lap times with three decimals in tables and PHP-style in the racerLaps script", () => {
    expect(seconds3(36_589)).toBe("36.589")
    expect(seconds3(38_170)).toBe("38.170")
    expect(seconds3(5_007)).toBe("5.007")
    expect(jsSeconds(38_170)).toBe("38.17")
    expect(jsSeconds(38_000)).toBe("38")
    expect(jsSeconds(0)).toBe("0")
    expect(jsSeconds(39_007)).toBe("39.007")
  })

  it("writes totals as M:SS.mmm and switches to H:MM:SS.mmm from an hour", () => {
    expect(clock(1_831_382)).toBe("30:31.382")
    expect(clock(111_828)).toBe("1:51.828")
    expect(clock(3_631_005)).toBe("1:00:31.005")
    expect(duration(1_800)).toBe("30:00")
    expect(duration(3_600)).toBe("1:00:00")
    expect(duration(229)).toBe("3:49")
  })

  it("writes percentages, counts and dates as LiveRC does", () => {
    expect(hundredths(9_282)).toBe("92.82")
    expect(hundredths(10_000)).toBe("100.00")
    expect(hundredths3(9_705)).toBe("97.050")
    expect(thousands(230_327)).toBe("230,327")
    expect(thousands(102)).toBe("102")
    expect(shortDate("2025-11-16T17:30:00")).toBe("Nov 16, 2025")
    expect(clockTime("2025-11-16T17:30:00")).toBe("5:30pm")
    expect(clockTime("2025-11-16T00:05:00")).toBe("12:05am")
    expect(clockTime("2025-11-16T12:00:00")).toBe("12:00pm")
    expect(clockTimeWithSeconds("2025-10-25T14:43:27")).toBe("2:43:27pm")
    expect(longDateWithWeekday("2025-10-25T14:43:27")).toBe("October 25, 2025 (Saturday)")
    expect(addSeconds("2025-12-31T23:59:30", 45)).toBe("2026-01-01T00:00:15")
  })

  it("escapes HTML text and single-quoted JS strings", () => {
    expect(html(`A & B <C> "D" O'E`)).toBe("A &amp; B &lt;C&gt; &quot;D&quot; O'E")
    expect(jsString("MATTHEW O'LOUGHLIN")).toBe("MATTHEW O\\'LOUGHLIN")
    expect(jsString("back\\slash")).toBe("back\\\\slash")
  })
})
