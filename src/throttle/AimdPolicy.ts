/**
 * Additive-increase / multiplicative-decrease for the per-host fetch concurrency. Pure, so the
 * rules can be read and tested apart from the semaphore that enforces them.
 *
 * The old service adjusted 4..16 only between runs and never noticed 429s. Here every response
 * feeds the policy and the limit moves while jobs run: +1 after a full window of fast successes
 * (one success per permit, so growth is about +1 per round trip), halve on 429/503/timeouts, but at
 * most once per cool-down so one burst of concurrent 429s counts as one congestion signal.
 *
 * A controller starts in slow start, as TCP does: +1 per fast success, so the limit doubles per
 * round trip, until the first sign of load (an overload, or a success slower than the target) ends
 * it for good. Additive growth alone spent a short job's first (max - start) round trips below the
 * cap; the global token bucket still bounds the request rate whatever the concurrency.
 */

export interface AimdSettings {
  readonly min: number
  readonly max: number
  readonly start: number
  /** A success slower than this holds the limit instead of growing it. */
  readonly latencyTargetMs: number
  readonly decreaseFactor: number
  readonly cooldownMs: number
}

export interface AimdState {
  readonly limit: number
  readonly fastSuccesses: number
  readonly lastDecreaseAt: number
  /** Until the first sign of load: grow by one per fast success instead of per window. */
  readonly slowStart: boolean
}

export type FetchOutcome =
  | { readonly _tag: "Success"; readonly latencyMs: number }
  /** 429, 503 or a timeout: LiveRC (or the path to it) is overloaded. */
  | { readonly _tag: "Overload" }
  /** Anything else (404, a parse-independent client error): says nothing about load. */
  | { readonly _tag: "Neutral" }

export const clampLimit = (settings: AimdSettings, limit: number): number =>
  Math.max(settings.min, Math.min(settings.max, Math.round(limit)))

export const initialState = (settings: AimdSettings): AimdState => ({
  limit: clampLimit(settings, settings.start),
  fastSuccesses: 0,
  lastDecreaseAt: Number.NEGATIVE_INFINITY,
  slowStart: true
})

export const nextState = (
  settings: AimdSettings,
  state: AimdState,
  outcome: FetchOutcome,
  nowMs: number
): AimdState => {
  switch (outcome._tag) {
    case "Neutral":
      return state
    case "Overload": {
      if (nowMs - state.lastDecreaseAt < settings.cooldownMs) return { ...state, slowStart: false }
      return {
        limit: clampLimit(settings, Math.floor(state.limit * settings.decreaseFactor)),
        fastSuccesses: 0,
        lastDecreaseAt: nowMs,
        slowStart: false
      }
    }
    case "Success": {
      if (outcome.latencyMs >= settings.latencyTargetMs) return { ...state, fastSuccesses: 0, slowStart: false }
      if (state.slowStart) return { ...state, limit: clampLimit(settings, state.limit + 1) }
      const fastSuccesses = state.fastSuccesses + 1
      if (fastSuccesses < state.limit) return { ...state, fastSuccesses }
      return { ...state, limit: clampLimit(settings, state.limit + 1), fastSuccesses: 0 }
    }
  }
}
