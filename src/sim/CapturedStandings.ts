import type { CapturedSideLinks } from "./CapturedPages.ts"
import { clock } from "./LiveRcFormat.ts"
import type { EventSkeleton, SkeletonRace } from "./SyntheticEvents.ts"
import { mainEvents } from "./SyntheticEvents.ts"
import { type MultiMainTable, ordinal, type OverallTable, type PointsTable, type RankingTable } from "./SyntheticStandings.ts"

/**
 * The standings pages of the captured event (486677), under the ids its real page links. No real
 * capture of them exists, so they are computed from the event's own races as the simulator serves
 * them (the two real race pages, the synthetic rest): a round's ranking from its heats, the
 * qualifying points from the rounds, each triple main from its A1/A2/A3 (B1.., C1..) races and the
 * final ranking from the mains, then qualifying, then the entrants who never raced. So a client
 * that reads the event page and follows its links gets pages that agree with the races it read.
 */

/** A driver's row in one race, as far as standings need it. */
export interface StandingRow {
  readonly position: number | null
  readonly driverName: string
  readonly qualPosition: number | null
  readonly lapsCompleted: number
  readonly totalTimeMs: number | null
}

export type RaceRows = (raceId: string) => ReadonlyArray<StandingRow>

interface Run {
  readonly driver: string
  readonly laps: number
  readonly ms: number | null
  readonly position: number
  readonly qual: number | null
}

/** More laps first, then less time; no time last. */
const faster = (a: Run, b: Run) => b.laps - a.laps || (a.ms ?? Infinity) - (b.ms ?? Infinity)

const lapsTime = (run: Run) => `${run.laps}/${clock(run.ms ?? 0)}`

const runsOf = (race: SkeletonRace, rows: RaceRows): Array<Run> =>
  rows(race.raceId).map((row, index) => ({
    driver: row.driverName,
    laps: row.lapsCompleted,
    ms: row.totalTimeMs,
    position: row.position ?? index + 1,
    qual: row.qualPosition
  }))

const isMain = (race: SkeletonRace) => race.round === mainEvents

/** Qualifier round names in running order. */
const qualifierRounds = (skeleton: EventSkeleton): Array<string> =>
  [...new Set(skeleton.races.filter((race) => !isMain(race)).map((race) => race.round))]
    .sort((a, b) => Number(/(\d+)$/.exec(a)?.[1] ?? 0) - Number(/(\d+)$/.exec(b)?.[1] ?? 0))

/** Each driver's best run over the class's heats of one round, best first. */
const roundOrder = (skeleton: EventSkeleton, round: string, classIndex: number, rows: RaceRows): Array<Run> => {
  const best = new Map<string, Run>()
  for (const race of skeleton.races) {
    if (race.round !== round || race.classIndex !== classIndex) continue
    for (const run of runsOf(race, rows)) {
      const held = best.get(run.driver)
      if (held === undefined || faster(run, held) < 0) best.set(run.driver, run)
    }
  }
  return [...best.values()].sort(faster)
}

const roundOfLabel = (label: string, index: number) =>
  label.endsWith(" Rankings") ? label.slice(0, -" Rankings".length) : `Qualifier Round ${index + 1}`

export const capturedRoundRanking = (
  skeleton: EventSkeleton,
  links: CapturedSideLinks,
  index: number,
  rows: RaceRows
): { readonly round: number; readonly tables: Array<RankingTable> } => {
  const round = roundOfLabel(links.roundRankings[index]?.label ?? "", index)
  return {
    round: Number(/(\d+)$/.exec(round)?.[1] ?? index + 1),
    tables: skeleton.classes.flatMap((cls, c) => {
      const order = roundOrder(skeleton, round, c, rows)
      return order.length === 0
        ? []
        : [{ className: cls.name, rows: order.map((run, i) => ({ position: i + 1, driver: run.driver, value: lapsTime(run) })) }]
    })
  }
}

/**
 * Round places are points; a driver's Result is the sum of the best `counted` of them (the link's
 * `Results (1 of 3)`), a round not run counting as one place behind the field.
 */
export const capturedPoints = (
  skeleton: EventSkeleton,
  links: CapturedSideLinks,
  index: number,
  rows: RaceRows
): Array<PointsTable> => {
  const rounds = qualifierRounds(skeleton)
  const counted = links.points[index]?.counted ?? rounds.length
  return skeleton.classes.flatMap((cls, c) => {
    const orders = rounds.map((round) => roundOrder(skeleton, round, c, rows))
    const drivers = [...new Set(orders.flatMap((order) => order.map((run) => run.driver)))]
    if (drivers.length === 0) return []
    const missed = drivers.length + 1
    const standings = drivers.map((driver) => {
      const places = orders.map((order) => order.findIndex((run) => run.driver === driver) + 1)
      const scored = places.map((place) => (place === 0 ? missed : place)).sort((a, b) => a - b)
      return {
        driver,
        points: scored.slice(0, counted).reduce((sum, place) => sum + place, 0),
        best: scored[0] ?? missed,
        roundCells: places.map((place, r) => (place === 0 ? "" : `${place} : ${lapsTime(orders[r]![place - 1]!)}`))
      }
    }).sort((a, b) => a.points - b.points || a.best - b.best)
    return [{
      className: cls.name,
      rounds: rounds.length,
      rows: standings.map(({ driver, points, roundCells }, i) => ({ position: i + 1, driver, points, roundCells }))
    }]
  })
}

interface MainSeries {
  readonly letter: string
  /** `A1`, `A2`, `A3`, in running order. */
  readonly mains: ReadonlyArray<{ readonly label: string; readonly race: SkeletonRace }>
}

/** The class's main races whose label says `<letter><n>-Main` (or `<letter>-Main`), by n. */
const seriesOf = (skeleton: EventSkeleton, classIndex: number, letter: string): MainSeries => {
  const pattern = new RegExp(`\\b${letter}(\\d*)-Main\\b`)
  const mains = skeleton.races.flatMap((race) => {
    const match = isMain(race) && race.classIndex === classIndex ? pattern.exec(race.label) : null
    return match === null ? [] : [{ label: `${letter}${match[1] ?? ""}`, n: Number(match[1] || 0), race }]
  }).sort((a, b) => a.n - b.n)
  return { letter, mains: mains.map(({ label, race }) => ({ label, race })) }
}

interface SeriesStanding {
  readonly driver: string
  readonly points: number
  readonly best: number
  readonly seeded: number | null
  /** Per main: the driver's run, undefined when they did not start it. */
  readonly runs: ReadonlyArray<Run | undefined>
}

/** Places are points; with three mains or more the worst one is dropped; ties go to the best finish. */
const seriesStandings = (series: MainSeries, rows: RaceRows): Array<SeriesStanding> => {
  const perMain = series.mains.map(({ race }) => runsOf(race, rows))
  const drivers = [...new Set(perMain.flatMap((runs) => runs.map((run) => run.driver)))]
  const missed = drivers.length + 1
  const dropped = series.mains.length >= 3 ? 1 : 0
  return drivers.map((driver) => {
    const runs = perMain.map((runsOfMain) => runsOfMain.find((run) => run.driver === driver))
    const places = runs.map((run) => run?.position ?? missed).sort((a, b) => a - b)
    return {
      driver,
      points: places.slice(0, places.length - dropped).reduce((sum, place) => sum + place, 0),
      best: places[0] ?? missed,
      seeded: runs.find((run) => run !== undefined)?.qual ?? null,
      runs
    }
  }).sort((a, b) => a.points - b.points || a.best - b.best || (a.seeded ?? Infinity) - (b.seeded ?? Infinity))
}

const mainLetterOf = (label: string) => /\b([A-Z])-Main\b/.exec(label)?.[1] ?? "A"

export const capturedMultiMain = (
  skeleton: EventSkeleton,
  links: CapturedSideLinks,
  index: number,
  rows: RaceRows
): MultiMainTable => {
  const link = links.multiMains[index]?.label ?? ""
  const header = link.endsWith(" Results") ? link.slice(0, -" Results".length) : link
  const classIndex = Math.max(0, skeleton.classes.findIndex((cls) => header.startsWith(cls.name)))
  const series = seriesOf(skeleton, classIndex, mainLetterOf(header))
  const total = /\bDouble\b/.test(header) ? 2 : /\bTriple\b/.test(header) ? 3 : series.mains.length
  return {
    className: header,
    completed: `Completed: ${series.mains.length} of ${Math.max(total, series.mains.length)}`,
    mainLabels: series.mains.map((main) => main.label),
    rows: seriesStandings(series, rows).map((standing, i) => ({
      position: i + 1,
      seeded: standing.seeded,
      driver: standing.driver,
      points: standing.points,
      mains: standing.runs.map((run) =>
        run === undefined ? "" : `${ordinal(run.position)} (${run.position}pts) : ${lapsTime(run)}`
      )
    }))
  }
}

/**
 * Per class: the drivers of each main from A down (a series of mains by its standings), then the
 * rest by their best qualifying run, then every entrant who never raced.
 */
export const capturedOverall = (skeleton: EventSkeleton, rows: RaceRows): Array<OverallTable> =>
  skeleton.classes.map((cls, c) => {
    const placed: Array<{ driver: string; race: string; result: string }> = []
    const seen = new Set<string>()
    const place = (driver: string, race: string, result: string) => {
      if (seen.has(driver)) return
      seen.add(driver)
      placed.push({ driver, race, result })
    }
    const letters = [
      ...new Set(
        skeleton.races.flatMap((race) => {
          const letter = isMain(race) && race.classIndex === c ? /\b([A-Z])\d*-Main\b/.exec(race.label)?.[1] : undefined
          return letter === undefined ? [] : [letter]
        })
      )
    ].sort()
    for (const letter of letters) {
      seriesStandings(seriesOf(skeleton, c, letter), rows).forEach((standing, i) => {
        const best = standing.runs.filter((run): run is Run => run !== undefined).sort(faster)[0]
        place(standing.driver, `${letter} Main`, `[${i + 1}] [${standing.points}] ${best === undefined ? "0/0:00.000" : lapsTime(best)}`)
      })
    }
    const qualifying = qualifierRounds(skeleton).flatMap((round) => roundOrder(skeleton, round, c, rows)).sort(faster)
    for (const run of qualifying) place(run.driver, "", "")
    for (const entry of cls.entries) place(entry.driver.name, "", "")
    return { className: cls.name, rows: placed.map((row, i) => ({ position: i + 1, ...row })) }
  })
