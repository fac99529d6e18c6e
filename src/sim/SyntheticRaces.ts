import type { LiveRcId } from "../liverc/LiveRcIds.ts"
import type { Lap, RaceResult, RaceResultRow } from "../liverc/models/RaceResult.ts"
import type { Driver } from "./Names.ts"
import { type Prng, prngOf } from "./Prng.ts"

/**
 * One timed race: every driver laps at their class pace until the clock runs out (the lap that
 * crosses the race length counts, as on LiveRC), some retire, a few never start. Positions follow
 * laps then total time; per-lap positions follow who crossed the line first on that lap. Times are
 * whole milliseconds below a minute, so the page's `36.589` strings carry them exactly.
 */

export interface RaceSpec {
  readonly worldSeed: number
  readonly raceId: string
  readonly raceNumber: number
  /** What the page's class header says (the event page's race label, e.g. `1/8 Nitro Buggy A-Main`). */
  readonly label: string
  readonly round: string
  readonly lengthSeconds: number
  readonly baseLapMs: number
  /** Entrants; order is irrelevant (the grid is drawn). */
  readonly drivers: ReadonlyArray<Driver>
  /** Mutation count: each revision corrects one lap time. */
  readonly revision: number
}

interface Runner {
  readonly driver: Driver
  readonly qual: number
  readonly lapTimes: Array<number>
}

const minLapMs = 5_000
const maxLapMs = 59_999

const clampLap = (ms: number) => Math.min(maxLapMs, Math.max(minLapMs, Math.round(ms)))

const driveLaps = (rng: Prng, spec: RaceSpec, lengthMs: number): Array<number> => {
  if (rng.chance(0.06)) return []
  const skill = 0.96 + rng.next() * 0.1
  const retireAtMs = rng.chance(0.08) ? lengthMs * (0.15 + rng.next() * 0.7) : Number.POSITIVE_INFINITY
  const laps: Array<number> = []
  let elapsed = 0
  while (elapsed < lengthMs && elapsed < retireAtMs) {
    let lap = spec.baseLapMs * skill * (1 + 0.018 * rng.normal())
    if (laps.length === 0) lap += 1_500
    if (rng.chance(0.05)) lap += 2_000 + rng.next() * 10_000
    const ms = clampLap(lap)
    laps.push(ms)
    elapsed += ms
  }
  return laps
}

/** Each revision nudges one finisher's lap: a timing correction, as LiveRC publishes them. */
const applyCorrections = (spec: RaceSpec, runners: ReadonlyArray<Runner>) => {
  for (let r = 1; r <= spec.revision; r++) {
    const rng = prngOf(spec.worldSeed, "correction", spec.raceId, r)
    const finishers = runners.filter((runner) => runner.lapTimes.length > 0)
    if (finishers.length === 0) return
    const runner = rng.pick(finishers)
    const index = rng.int(0, runner.lapTimes.length - 1)
    const delta = rng.chance(0.5) ? -rng.int(100, 400) : rng.int(100, 900)
    runner.lapTimes[index] = clampLap((runner.lapTimes[index] ?? minLapMs) + delta)
  }
}

const sum = (values: ReadonlyArray<number>) => values.reduce((a, b) => a + b, 0)

/** Hundredths of a percent: 100 minus the coefficient of variation, clamped to 0..100. */
const consistencyHundredths = (laps: ReadonlyArray<number>): number => {
  const mean = sum(laps) / laps.length
  const variance = laps.reduce((acc, t) => acc + (t - mean) ** 2, 0) / laps.length
  const value = Math.round((100 - (Math.sqrt(variance) / mean) * 100) * 100)
  return Math.min(10_000, Math.max(0, value))
}

export const generateRace = (spec: RaceSpec): RaceResult => {
  const rng = prngOf(spec.worldSeed, "race", spec.raceId)
  const lengthMs = spec.lengthSeconds * 1000
  const grid = rng.shuffle(spec.drivers.map((driver) => driver))
  const runners: Array<Runner> = grid.map((driver, i) => ({ driver, qual: i + 1, lapTimes: driveLaps(rng, spec, lengthMs) }))
  if (runners.length > 0 && runners.every((runner) => runner.lapTimes.length === 0)) {
    const first = runners[0] as Runner
    runners[0] = { ...first, lapTimes: [clampLap(spec.baseLapMs)] }
  }
  applyCorrections(spec, runners)

  const cumulative = runners.map((runner) => {
    const out: Array<number> = []
    let acc = 0
    for (const t of runner.lapTimes) out.push((acc += t))
    return out
  })
  const order = runners.map((_, i) => i).sort((a, b) => {
    const ra = runners[a] as Runner
    const rb = runners[b] as Runner
    const la = ra.lapTimes.length
    const lb = rb.lapTimes.length
    if (la !== lb) return lb - la
    if (la === 0) return ra.qual - rb.qual
    return (cumulative[a]?.[la - 1] ?? 0) - (cumulative[b]?.[lb - 1] ?? 0) || ra.qual - rb.qual
  })

  // Position on lap L: 1 + how many drivers crossed the line on lap L earlier.
  const maxLaps = Math.max(0, ...runners.map((runner) => runner.lapTimes.length))
  const lapPositions = runners.map((runner) => new Array<number>(runner.lapTimes.length).fill(0))
  for (let lap = 0; lap < maxLaps; lap++) {
    const crossed = runners
      .map((_, i) => i)
      .filter((i) => (runners[i] as Runner).lapTimes.length > lap)
      .sort((a, b) => (cumulative[a]?.[lap] ?? 0) - (cumulative[b]?.[lap] ?? 0))
    crossed.forEach((runnerIndex, rank) => {
      const positions = lapPositions[runnerIndex] as Array<number>
      positions[lap] = rank + 1
    })
  }

  const results: Array<RaceResultRow> = order.map((runnerIndex, rank) => {
    const runner = runners[runnerIndex] as Runner
    const laps = runner.lapTimes
    const base = {
      position: rank + 1,
      driverName: runner.driver.name,
      sourceDriverId: runner.driver.id as LiveRcId,
      carNumber: String(runner.qual),
      qualPosition: runner.qual,
      lapsCompleted: laps.length
    }
    if (laps.length === 0) {
      return {
        ...base,
        totalTimeMs: null,
        fastLapMs: null,
        fastLapNumber: null,
        avgLapMs: null,
        consistencyPct: null,
        laps: []
      }
    }
    const total = sum(laps)
    const fastest = Math.min(...laps)
    const modelLaps: Array<Lap> = laps.map((timeMs, i) => ({
      lap: i + 1,
      position: (lapPositions[runnerIndex] as Array<number>)[i] ?? null,
      timeMs
    }))
    return {
      ...base,
      totalTimeMs: total,
      fastLapMs: fastest,
      fastLapNumber: laps.indexOf(fastest) + 1,
      avgLapMs: Math.round(total / laps.length),
      consistencyPct: consistencyHundredths(laps) / 100,
      laps: modelLaps
    }
  })

  return {
    raceId: spec.raceId as LiveRcId,
    raceNumber: spec.raceNumber,
    className: spec.label,
    round: spec.round,
    results
  }
}
