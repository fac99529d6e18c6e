import { describe, expect, it } from "vitest"
import { type AimdSettings, type AimdState, initialState, nextState } from "../../src/throttle/AimdPolicy.ts"

const settings: AimdSettings = {
  min: 1,
  max: 16,
  start: 8,
  latencyTargetMs: 2500,
  decreaseFactor: 0.5,
  cooldownMs: 1000
}

const fast = { _tag: "Success", latencyMs: 100 } as const
const slow = { _tag: "Success", latencyMs: 3000 } as const
const overload = { _tag: "Overload" } as const

const apply = (state: AimdState, outcomes: ReadonlyArray<Parameters<typeof nextState>[2]>, at = 0) =>
  outcomes.reduce((s, o) => nextState(settings, s, o, at), state)

describe("AimdPolicy", () => {
  it("starts at the configured start, clamped to the bounds", () => {
    expect(initialState(settings).limit).toBe(8)
    expect(initialState({ ...settings, start: 40 }).limit).toBe(16)
    expect(initialState({ ...settings, start: 0 }).limit).toBe(1)
  })

  it("in slow start, grows by one per fast success: it doubles per round trip", () => {
    const state = initialState(settings)
    expect(state.slowStart).toBe(true)
    expect(apply(state, Array(4).fill(fast)).limit).toBe(12)
    expect(apply(state, Array(8).fill(fast)).limit).toBe(16)
  })

  it("leaves slow start at the first sign of load, for good", () => {
    const afterSlow = apply(initialState(settings), [fast, slow])
    expect(afterSlow).toMatchObject({ limit: 9, slowStart: false })
    const afterOverload = apply(initialState(settings), [fast, overload], 5_000)
    expect(afterOverload).toMatchObject({ limit: 4, slowStart: false })
    // An overload inside the cool-down still ends it.
    const inCooldown = nextState(settings, { ...afterOverload, slowStart: true }, overload, 5_500)
    expect(inCooldown).toMatchObject({ limit: 4, slowStart: false })
  })

  it("past slow start, grows by one after a full window of fast successes", () => {
    const state = apply(initialState(settings), [slow])
    expect(apply(state, Array(7).fill(fast)).limit).toBe(8)
    expect(apply(state, Array(8).fill(fast)).limit).toBe(9)
    expect(apply(state, Array(8 + 9).fill(fast)).limit).toBe(10)
  })

  it("never grows past the maximum", () => {
    expect(apply(initialState(settings), Array(500).fill(fast)).limit).toBe(16)
  })

  it("holds the limit while responses are slower than the latency target", () => {
    const state = apply(initialState(settings), [slow])
    const mixed = [...Array(7).fill(fast), slow, ...Array(7).fill(fast)]
    expect(apply(state, mixed).limit).toBe(8)
  })

  it("halves on overload, but only once per cool-down", () => {
    const state = initialState(settings)
    const once = apply(state, [overload, overload, overload], 5_000)
    expect(once.limit).toBe(4)
    const later = nextState(settings, once, overload, 6_000)
    expect(later.limit).toBe(2)
  })

  it("never drops below the minimum", () => {
    let state = initialState(settings)
    for (let t = 0; t < 10; t++) state = nextState(settings, state, overload, t * 1000)
    expect(state.limit).toBe(1)
  })

  it("ignores neutral outcomes", () => {
    const state = apply(initialState(settings), [slow, ...Array(5).fill(fast)])
    expect(nextState(settings, state, { _tag: "Neutral" }, 0)).toBe(state)
  })

  it("recovers after an overload episode once responses are fast again", () => {
    let state = initialState(settings)
    state = nextState(settings, state, overload, 0)
    state = nextState(settings, state, overload, 1000)
    expect(state.limit).toBe(2)
    state = apply(state, Array(2 + 3 + 4 + 5 + 6 + 7).fill(fast), 2000)
    expect(state.limit).toBe(8)
  })
})
