import { describe, expect, it } from "vitest"
import { queuePosition } from "../../src/queue/QueuePosition.ts"

describe("queuePosition", () => {
  it("counts from the last delivered stream sequence", () => {
    expect(queuePosition(12, 9)).toBe(3)
    expect(queuePosition(10, 9)).toBe(1)
  })

  it("puts a job already delivered once (waiting for its retry) next in line", () => {
    expect(queuePosition(5, 9)).toBe(1)
  })
})
