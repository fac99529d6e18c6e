import { describe, expect, it } from "vitest"
import { isEngagedValue } from "../../src/throttle/KillSwitch.ts"

describe("isEngagedValue", () => {
  it("reads `on` and anything an operator may mean as stop as engaged", () => {
    for (const value of ["on", "ON", "true", "1", "stop", "pause", "maintenance until 5pm"]) {
      expect(isEngagedValue(value)).toBe(true)
    }
  })

  it("reads an absent key and the usual off words as clear", () => {
    expect(isEngagedValue(null)).toBe(false)
    for (const value of ["off", "OFF", " off\n", "false", "0", "no", "clear", "resume", ""]) {
      expect(isEngagedValue(value)).toBe(false)
    }
  })
})
