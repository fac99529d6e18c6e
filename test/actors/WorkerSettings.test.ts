import { describe, expect, it } from "vitest"
import { defaultWorkerSettings, retryDelayMillis } from "../../src/actors/WorkerSettings.ts"

describe("retryDelayMillis", () => {
  it("doubles from the base per delivery", () => {
    expect([1, 2, 3, 4].map((attempt) => retryDelayMillis(defaultWorkerSettings, attempt))).toEqual([
      2000,
      4000,
      8000,
      16000
    ])
  })

  it("stops at the cap", () => {
    expect(retryDelayMillis({ ...defaultWorkerSettings, retryMaxMillis: 5000 }, 10)).toBe(5000)
  })
})
