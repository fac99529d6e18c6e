import { describe, expect, it } from "vitest"
import { parseLapTime } from "../../src/liverc/LapTime.ts"

describe("parseLapTime", () => {
  it("reads seconds, minutes:seconds and hours:minutes:seconds as integer milliseconds", () => {
    expect(parseLapTime("36.589")).toBe(36589)
    expect(parseLapTime("1:52.036")).toBe(112036)
    expect(parseLapTime("30:31.382")).toBe(1831382)
    expect(parseLapTime("1:02:03.456")).toBe(3723456)
    expect(parseLapTime("146.309")).toBe(146309)
  })

  it("pads short fractions instead of reading them as milliseconds", () => {
    expect(parseLapTime("38.17")).toBe(38170)
    expect(parseLapTime("36.9")).toBe(36900)
    expect(parseLapTime("45")).toBe(45000)
    expect(parseLapTime("8:28")).toBe(508000)
    expect(parseLapTime("0")).toBe(0)
  })

  it("has no float drift where multiplying the float would", () => {
    // 1.005 * 1000 is 1004.9999999999999 in binary floating point.
    expect(Number("1.005") * 1000).not.toBe(1005)
    expect(parseLapTime("1.005")).toBe(1005)
    for (let ms = 0; ms < 200_000; ms += 7) {
      const text = `${Math.floor(ms / 1000)}.${String(ms % 1000).padStart(3, "0")}`
      expect(parseLapTime(text)).toBe(ms)
    }
  })

  it("rounds a fourth fraction digit half up", () => {
    expect(parseLapTime("37.2344")).toBe(37234)
    expect(parseLapTime("37.2345")).toBe(37235)
    expect(parseLapTime("0.9995")).toBe(1000)
  })

  it("treats a blank cell as no time", () => {
    expect(parseLapTime("")).toBeNull()
    expect(parseLapTime("   ")).toBeNull()
  })

  it("tells text that is not a time apart from a blank", () => {
    for (const text of ["DNS", "1 Lap", "37.234.1", "-1.2", "1:75.000", "1:5:00", "12/30:00.000", "1e3", "NaN", ".5"]) {
      expect(parseLapTime(text), text).toBeUndefined()
    }
  })

  it("refuses numbers too long to be a time", () => {
    expect(parseLapTime("12345678901.5")).toBeUndefined()
  })
})
