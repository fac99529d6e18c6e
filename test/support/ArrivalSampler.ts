/**
 * Samples a server-side request counter (the simulator's `stats().total`) every few ms, so a
 * test can ask afterwards how many requests arrived between two moments (performance.now()).
 */

export interface ArrivalSampler {
  /** Requests counted by `at` (the last sample taken at or before it). */
  readonly totalAt: (at: number) => number
  readonly countBetween: (from: number, to: number) => number
  /** When the first request was seen (null: none yet). */
  readonly firstArrival: () => number | null
  readonly stop: () => void
}

export const sampleArrivals = (readTotal: () => number, everyMs = 10): ArrivalSampler => {
  const samples: Array<{ readonly at: number; readonly total: number }> = []
  const take = () => samples.push({ at: performance.now(), total: readTotal() })
  take()
  const timer = setInterval(take, everyMs)
  const totalAt = (at: number) => {
    let total = 0
    for (const sample of samples) {
      if (sample.at > at) break
      total = sample.total
    }
    return total
  }
  return {
    totalAt,
    countBetween: (from, to) => totalAt(to) - totalAt(from),
    firstArrival: () => samples.find((sample) => sample.total > 0)?.at ?? null,
    stop: () => clearInterval(timer)
  }
}
