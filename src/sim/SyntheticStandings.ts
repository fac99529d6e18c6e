import { clock } from "./LiveRcFormat.ts"
import { classBaseLapMs } from "./Names.ts"
import { type Prng, prngOf } from "./Prng.ts"
import { type EventClass, type EventSkeleton, raceLengthSeconds } from "./SyntheticEvents.ts"

/**
 * The synthetic events' side pages (multi-main, qualifying points, round rankings, overall
 * ranking): plausible tables from the event's class pools in the shapes LiveRC uses, not results
 * derived lap by lap. The captured event's side pages are computed from its races instead
 * (CapturedStandings.ts).
 */

export interface LapsTime {
  readonly laps: number
  readonly ms: number
}

/** `16/10:01.133`. */
export const lapsTimeText = (value: LapsTime) => `${value.laps}/${clock(value.ms)}`

export const ordinal = (n: number) => {
  const tens = n % 100
  if (tens >= 11 && tens <= 13) return `${n}th`
  return `${n}${["th", "st", "nd", "rd"][n % 10] ?? "th"}`
}

/** Results of one class in one heat/main: ranked laps/time values. */
const rankedRun = (rng: Prng, cls: EventClass, lapsPerDriver: number): Array<{ readonly name: string; readonly value: LapsTime }> => {
  const lengthMs = raceLengthSeconds(cls.name, lapsPerDriver) * 1000
  const base = classBaseLapMs(cls.name)
  return cls.entries
    .map((entry) => {
      const pace = base * (0.96 + rng.next() * 0.12)
      const laps = Math.max(1, Math.ceil(lengthMs / pace) - rng.int(0, 1))
      return { name: entry.driver.name, value: { laps, ms: Math.round(laps * pace) } }
    })
    .sort((a, b) => b.value.laps - a.value.laps || a.value.ms - b.value.ms)
}

export interface MultiMainRow {
  readonly position: number
  /** Null prints a blank cell: a driver who was not seeded. */
  readonly seeded: number | null
  readonly driver: string
  readonly points: number
  /** `1st (1pts) : 16/10:01.133` per main; blank for a main the driver did not run. */
  readonly mains: ReadonlyArray<string>
}

export interface MultiMainTable {
  readonly className: string
  readonly completed: string
  readonly mainLabels: ReadonlyArray<string>
  readonly rows: ReadonlyArray<MultiMainRow>
}

export const multiMainTable = (skeleton: EventSkeleton, classIndex: number, worldSeed: number, lapsPerDriver: number): MultiMainTable => {
  const cls = skeleton.classes[classIndex % skeleton.classes.length] as EventClass
  const rng = prngOf(worldSeed, "multi-main", skeleton.eventId, classIndex)
  const field = cls.entries.slice(0, 10)
  const mainLabels = ["A1", "A2", "A3"]
  const runs = mainLabels.map(() => rankedRun(rng, { ...cls, entries: field }, lapsPerDriver))
  const rows = field.map((entry, seededIndex) => {
    const finishes = runs.map((run) => run.findIndex((r) => r.name === entry.driver.name) + 1)
    const best = [...finishes].sort((a, b) => a - b).slice(0, 2)
    return {
      seeded: seededIndex + 1,
      driver: entry.driver.name,
      points: best.reduce((a, b) => a + b, 0),
      mains: runs.map((run, i) => {
        const place = finishes[i] ?? 1
        return `${ordinal(place)} (${place}pts) : ${lapsTimeText((run[place - 1] as { value: LapsTime }).value)}`
      })
    }
  }).sort((a, b) => a.points - b.points || a.seeded - b.seeded)
  return {
    className: `${cls.name} Triple A-Main`,
    completed: "Completed: 3 of 3",
    mainLabels,
    rows: rows.map((row, i) => ({ ...row, position: i + 1 }))
  }
}

export interface PointsTable {
  readonly className: string
  readonly rounds: number
  readonly rows: ReadonlyArray<{
    readonly position: number
    readonly driver: string
    readonly points: number
    /** `2 : 16/10:18.631` per round; blank for a round the driver did not run. */
    readonly roundCells: ReadonlyArray<string>
  }>
}

export const pointsTables = (skeleton: EventSkeleton, rounds: number, worldSeed: number, lapsPerDriver: number): Array<PointsTable> =>
  skeleton.classes.map((cls, c) => {
    const rng = prngOf(worldSeed, "points", skeleton.eventId, c)
    const runs = Array.from({ length: rounds }, () => rankedRun(rng, cls, lapsPerDriver))
    const rows = cls.entries.map((entry) => {
      const cells = runs.map((run) => {
        const place = run.findIndex((r) => r.name === entry.driver.name) + 1
        return { place, text: `${place} : ${lapsTimeText((run[place - 1] as { value: LapsTime }).value)}` }
      })
      return { driver: entry.driver.name, points: cells.reduce((a, cell) => a + cell.place, 0), roundCells: cells.map((cell) => cell.text) }
    }).sort((a, b) => a.points - b.points)
    return { className: cls.name, rounds, rows: rows.map((row, i) => ({ ...row, position: i + 1 })) }
  })

export interface RankingTable {
  readonly className: string
  readonly rows: ReadonlyArray<{ readonly position: number; readonly driver: string; readonly value: string }>
}

export const roundRankingTables = (skeleton: EventSkeleton, round: number, worldSeed: number, lapsPerDriver: number): Array<RankingTable> =>
  skeleton.classes.map((cls, c) => {
    const rng = prngOf(worldSeed, "round-ranking", skeleton.eventId, round, c)
    return {
      className: cls.name,
      rows: rankedRun(rng, cls, lapsPerDriver).map((r, i) => ({ position: i + 1, driver: r.name, value: lapsTimeText(r.value) }))
    }
  })

export interface OverallTable {
  readonly className: string
  /** `race` and `result` are blank for a driver who ran no main. */
  readonly rows: ReadonlyArray<{ readonly position: number; readonly driver: string; readonly race: string; readonly result: string }>
}

export const overallTables = (skeleton: EventSkeleton, worldSeed: number, lapsPerDriver: number): Array<OverallTable> =>
  skeleton.classes.map((cls, c) => {
    const rng = prngOf(worldSeed, "overall", skeleton.eventId, c)
    const run = rankedRun(rng, cls, lapsPerDriver)
    return {
      className: cls.name,
      rows: run.map((r, i) => {
        const main = String.fromCharCode(65 + Math.min(25, Math.floor(i / 10)))
        return {
          position: i + 1,
          driver: r.name,
          race: `${main} Main`,
          result: `[${(i % 10) + 1}] [${rng.int(1, 10)}] ${lapsTimeText(r.value)}`
        }
      })
    }
  })
