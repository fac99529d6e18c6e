import type { CapturedDriver, CapturedEvent, CapturedListedEvent } from "./CapturedPages.ts"
import { addDays, addSeconds, dateOfDayNumber, dayNumber, weekdayOf } from "./LiveRcFormat.ts"
import { classBaseLapMs, classNames, type Driver, driverAt, driverCount, eventSeries, eventTitles, sponsors } from "./Names.ts"
import { type Prng, prngOf, seedOf } from "./Prng.ts"

/**
 * The shape of an event before any page is drawn: its classes with their entrants, and its races
 * by round. The event page, the entry list, every race page and the standings pages are all cut
 * from this one skeleton, so they agree with each other.
 *
 * Id scheme (LiveRC ids are global, so only the id is needed to rebuild a page): an event's races
 * are `eventId * 100 + k` (k = 1.. in running order); its multi-main, points and round-ranking
 * pages are `eventId * 10 + x`; its overall ranking and entry list use the event id itself.
 */

export interface EventEntry {
  readonly driver: Driver
  readonly carNumber: string
  readonly transponder: string | null
}

export interface EventClass {
  readonly name: string
  readonly entries: ReadonlyArray<EventEntry>
}

export interface SkeletonRace {
  readonly raceId: string
  readonly raceNumber: number
  readonly className: string
  readonly label: string
  readonly round: string
  readonly completedAt: string | null
  readonly lengthSeconds: number
  readonly classIndex: number
}

export interface SkeletonLink {
  readonly id: string
  readonly label: string
}

export interface EventSkeleton {
  readonly eventId: string
  readonly name: string
  /** Start as the events list shows it (date and time). */
  readonly startsAt: string
  readonly date: string
  readonly dateEnd: string | null
  readonly classes: ReadonlyArray<EventClass>
  readonly entries: number
  readonly drivers: number
  /** Page order: Main Events first, then the qualifier rounds from the last; newest race first. */
  readonly races: ReadonlyArray<SkeletonRace>
  readonly multiMains: ReadonlyArray<SkeletonLink & { readonly classIndex: number }>
  readonly points: ReadonlyArray<SkeletonLink & { readonly roundsCompleted: number; readonly roundsTotal: number }>
  readonly roundRankings: ReadonlyArray<SkeletonLink & { readonly round: number }>
  readonly overallRankingId: string
}

export interface EventSizes {
  readonly worldSeed: number
  readonly racesPerEvent: number
  readonly driversPerRace: number
  readonly lapsPerDriver: number
}

export const mainEvents = "Main Events"
export const qualifierRound = (round: number) => `Qualifier Round ${round}`

/**
 * Event ids of 11-12 digits are folded into 10 (resp. 11) digits first, so derived ids stay valid
 * LiveRC ids (at most 12 digits); their race and side pages then decode to the folded event.
 */
const fold = (eventId: number, limit: number) => (eventId < limit ? eventId : (eventId % (limit * 0.9)) + limit * 0.1)

const raceIdOf = (eventId: string, k: number): string => String(fold(Number(eventId), 1e10) * 100 + k)

const sideBase = (eventId: string): number => fold(Number(eventId), 1e11) * 10

/** Race id -> (event id, k); null when the event part is not an id. */
export const decodeRaceId = (raceId: string): { readonly eventId: string; readonly k: number } | null => {
  const n = Number(raceId)
  const eventId = Math.floor(n / 100)
  return eventId >= 1 ? { eventId: String(eventId), k: n % 100 } : null
}

/** Side page id -> (event id, slot); slots: 1..3 multi-mains, 4..6 round rankings, 9 points. */
export const decodeSideId = (id: string): { readonly eventId: string; readonly slot: number } | null => {
  const n = Number(id)
  const eventId = Math.floor(n / 10)
  return eventId >= 1 ? { eventId: String(eventId), slot: n % 10 } : null
}

/** Race length so a class's drivers do about `laps` laps: whole minutes, at least one. */
export const raceLengthSeconds = (className: string, laps: number): number =>
  Math.max(60, Math.round((laps * classBaseLapMs(className)) / 60_000) * 60)

const nextWeekendDay = (day: number, rng: Prng): number => {
  const weekday = weekdayOf(dateOfDayNumber(day))
  const toSaturday = (6 - weekday + 7) % 7
  return day + toSaturday + (rng.chance(0.5) ? 1 : 0)
}

/** Date and name an unlisted event would have: dates grow with the id within a track's block. */
const syntheticMeta = (eventId: string, rng: Prng): { readonly name: string; readonly startsAt: string } => {
  const n = Number(eventId)
  const block = Math.floor(n / 100)
  const firstDay = dayNumber("2015-01-01") + (seedOf("event-block", block) % 2600)
  const day = nextWeekendDay(firstDay + (n % 100) * 10 + rng.int(0, 6), rng)
  const date = dateOfDayNumber(day)
  const year = date.slice(0, 4)
  const time = rng.pick(["08:00:00", "08:30:00", "09:00:00", "00:00:00"])
  const round = 1 + (n % 8)
  const name = rng.pick([
    () => `${year} ${rng.pick(sponsors)} ${rng.pick(eventSeries)} ${round}`,
    () => `${rng.pick(eventSeries)}-${round}`,
    () => `${year} ${rng.pick(eventTitles)}`,
    () => `${rng.pick(sponsors)} ${rng.pick(eventTitles)} ${year}`
  ])()
  return { name, startsAt: `${date}T${time}` }
}

interface PoolTargets {
  readonly seats: ReadonlyArray<number>
  readonly distinct: number
}

/** Fills each class with entrants: `distinct` people in all, some entered in two classes. */
const buildPools = (
  rng: Prng,
  names: ReadonlyArray<string>,
  targets: PoolTargets,
  seedDrivers: ReadonlyArray<CapturedDriver>
): Array<EventClass> => {
  const members: Array<Array<Driver>> = names.map(() => [])
  const taken = new Set<string>()
  // A captured driver who raced two classes is entered in both.
  names.forEach((name, c) => {
    for (const seed of seedDrivers) {
      if (seed.className !== name || members[c]?.some((driver) => driver.name === seed.name)) continue
      const index = Math.abs(seedOf("captured-driver", seed.id)) % driverCount
      members[c]?.push({ index, name: seed.name, id: seed.id, transponder: driverAt(index).transponder })
      taken.add(seed.name)
    }
  })
  const freshNeeded = Math.max(0, targets.distinct - taken.size)
  const fresh: Array<Driver> = []
  for (const index of rng.sample(driverCount, freshNeeded + taken.size)) {
    const driver = driverAt(index)
    if (fresh.length < freshNeeded && !taken.has(driver.name)) fresh.push(driver)
  }
  let c = 0
  let guard = 0
  while (fresh.length > 0 && guard++ < 1_000_000) {
    const pool = members[c % names.length] as Array<Driver>
    const capacity = targets.seats[c % names.length] ?? 0
    if (pool.length < capacity || members.every((m, i) => m.length >= (targets.seats[i] ?? 0))) {
      pool.push(fresh.shift() as Driver)
    }
    c++
  }
  const everyone = members.flat()
  members.forEach((pool, i) => {
    const want = targets.seats[i] ?? 0
    const inPool = new Set(pool.map((d) => d.name))
    const others = everyone.filter((d) => !inPool.has(d.name))
    rng.shuffle(others)
    while (pool.length < want && others.length > 0) pool.push(others.pop() as Driver)
  })
  return names.map((name, i) => ({
    name,
    entries: (members[i] ?? []).map((driver, n) => ({
      driver,
      carNumber: String(n + 1),
      transponder: rng.chance(0.05) ? null : driver.transponder
    }))
  }))
}

/** `total` seats over the classes, each class at least its minimum (1, or its known drivers). */
const splitSeats = (rng: Prng, total: number, minimums: ReadonlyArray<number>): Array<number> => {
  const seats = minimums.map((m) => Math.max(1, m))
  for (let i = seats.reduce((a, b) => a + b, 0); i < total; i++) {
    const c = rng.int(0, seats.length - 1)
    seats[c] = (seats[c] ?? 0) + 1
  }
  return seats
}

interface PlannedRace {
  readonly round: string
  readonly label: string
  readonly classIndex: number
  readonly mainsDay: boolean
}

/** Qualifier heats by round, then mains from the lowest letter up; revisions add finals. */
const planRaces = (count: number, classes: ReadonlyArray<string>, extra: number): Array<PlannedRace> => {
  const k = classes.length
  const mains = count <= 2 ? count : Math.max(1, Math.round(count * 0.35))
  const qualifiers = count - mains
  const rounds = qualifiers === 0 ? 0 : Math.min(3, qualifiers)
  const plan: Array<PlannedRace> = []
  for (let r = 0; r < rounds; r++) {
    const size = Math.floor(qualifiers / rounds) + (r < qualifiers % rounds ? 1 : 0)
    for (let i = 0; i < size; i++) {
      const c = i % k
      const heats = Math.floor((size - 1 - c) / k) + 1
      plan.push({
        round: qualifierRound(r + 1),
        label: `${classes[c]} (Heat ${Math.floor(i / k) + 1}/${heats})`,
        classIndex: c,
        mainsDay: false
      })
    }
  }
  const perClass = classes.map((_, c) => Math.floor(mains / k) + (c < mains % k ? 1 : 0))
  const levels = Math.max(0, ...perClass)
  for (let level = levels - 1; level >= 0; level--) {
    perClass.forEach((m, c) => {
      if (level >= m) return
      const main = level < 26 ? `${String.fromCharCode(65 + level)}-Main` : `Main ${level + 1}`
      plan.push({ round: mainEvents, label: `${classes[c]} ${main}`, classIndex: c, mainsDay: true })
    })
  }
  for (let i = 1; i <= extra; i++) {
    const c = (i - 1) % k
    plan.push({ round: mainEvents, label: `${classes[c]} Final ${i}`, classIndex: c, mainsDay: true })
  }
  return plan
}

/** Newest first within each round, rounds from Main Events down to Qualifier Round 1. */
const pageOrder = (races: ReadonlyArray<SkeletonRace>): Array<SkeletonRace> => {
  const rank = (round: string) => (round === mainEvents ? 1_000 : Number(/(\d+)$/.exec(round)?.[1] ?? 0))
  return [...races].sort((a, b) => rank(b.round) - rank(a.round) || b.raceNumber - a.raceNumber)
}

const scheduleRaces = (
  rng: Prng,
  eventId: string,
  startsAt: string,
  plan: ReadonlyArray<PlannedRace>,
  classes: ReadonlyArray<string>,
  sizes: EventSizes,
  twoDays: boolean
): Array<SkeletonRace> => {
  const date = startsAt.slice(0, 10)
  const startTime = startsAt.slice(11) < "06:00:00" ? "08:30:00" : startsAt.slice(11)
  let clock = `${date}T${startTime}`
  let onMainsDay = false
  const numbers = new Map<string, number>()
  return plan.map((race, i) => {
    if (twoDays && race.mainsDay && !onMainsDay) {
      onMainsDay = true
      clock = `${addDays(date, 1)}T09:00:00`
    }
    const className = classes[race.classIndex] as string
    const lengthSeconds = raceLengthSeconds(className, sizes.lapsPerDriver)
    clock = addSeconds(clock, lengthSeconds + rng.int(120, 420))
    const raceNumber = (numbers.get(race.round) ?? 0) + 1
    numbers.set(race.round, raceNumber)
    return {
      raceId: raceIdOf(eventId, i + 1),
      raceNumber,
      className,
      label: race.label,
      round: race.round,
      completedAt: `${clock.slice(0, 16)}:00`,
      lengthSeconds,
      classIndex: race.classIndex
    }
  })
}

const sideLinks = (eventId: string, rng: Prng, classes: ReadonlyArray<EventClass>, races: ReadonlyArray<SkeletonRace>) => {
  const base = sideBase(eventId)
  const rounds = new Set(races.filter((r) => r.round !== mainEvents).map((r) => r.round)).size
  const withMains = classes.map((_, c) => races.some((r) => r.round === mainEvents && r.classIndex === c))
  return {
    multiMains: classes.flatMap((cls, c) =>
      withMains[c] && c < 3 && rng.chance(0.35)
        ? [{ id: String(base + c + 1), label: `${cls.name} Triple A-Main`, classIndex: c }]
        : []
    ),
    points: rounds === 0 ? [] : [{
      id: String(base + 9),
      label: `Results (${rounds} of ${Math.max(rounds, 3)})`,
      roundsCompleted: rounds,
      roundsTotal: Math.max(rounds, 3)
    }],
    roundRankings: Array.from({ length: rounds }, (_, r) => ({
      id: String(base + 4 + r),
      label: `${qualifierRound(r + 1)} Rankings`,
      round: r + 1
    }))
  }
}

/** A synthetic event for any id (named and sized like the real list when the id is listed there). */
export const syntheticEvent = (
  eventId: string,
  sizes: EventSizes,
  revision: number,
  listed: CapturedListedEvent | undefined
): EventSkeleton => {
  const rng = prngOf(sizes.worldSeed, "event", eventId)
  const meta = listed ?? syntheticMeta(eventId, rng)
  const n = sizes.racesPerEvent
  const d = sizes.driversPerRace
  const k = n <= 2 ? 1 : rng.int(listed !== undefined && listed.entries > listed.drivers ? 2 : 1, Math.min(3, n))
  const picked = rng.sample(classNames.length, k).map((i) => classNames[i] as string)
  const targets: PoolTargets = listed !== undefined && listed.entries > 0
    ? {
      seats: splitSeats(rng, listed.entries, picked.map(() => 1)),
      distinct: Math.min(Math.max(1, listed.drivers), listed.entries)
    }
    : (() => {
      const seats = picked.map(() => d + rng.int(0, d))
      const total = seats.reduce((a, b) => a + b, 0)
      return { seats, distinct: k === 1 ? total : total - Math.round(total * 0.1) }
    })()
  const classes = buildPools(rng, picked, targets, [])
  const extra = Math.min(revision, 99 - n)
  const twoDays = n >= 4 && rng.chance(0.1)
  const plan = planRaces(n, picked, extra)
  const races = scheduleRaces(rng, eventId, meta.startsAt, plan, picked, sizes, twoDays)
  // From the planned races and a generator of their own, so a race added later (a revision)
  // changes no link.
  const links = sideLinks(eventId, prngOf(sizes.worldSeed, "side-links", eventId), classes, races.slice(0, n))
  const lastDay = races.reduce((max, r) => ((r.completedAt ?? "") > max ? (r.completedAt ?? "") : max), "").slice(0, 10)
  const date = meta.startsAt.slice(0, 10)
  return {
    eventId,
    name: meta.name,
    startsAt: meta.startsAt,
    date,
    dateEnd: lastDay > date ? lastDay : null,
    classes,
    entries: classes.reduce((a, c) => a + c.entries.length, 0),
    drivers: new Set(classes.flatMap((c) => c.entries.map((e) => e.driver.name))).size,
    races: pageOrder(races),
    ...links,
    overallRankingId: eventId
  }
}

/** Event 486677: the real page's races and counts, with pools seeded by its real drivers. */
export const capturedEventSkeleton = (
  event: CapturedEvent,
  drivers: ReadonlyArray<CapturedDriver>,
  sizes: EventSizes
): EventSkeleton => {
  const rng = prngOf(sizes.worldSeed, "event", event.eventId)
  const names = [...new Set(event.races.map((r) => r.className))]
  const classes = buildPools(rng, names, {
    seats: splitSeats(rng, event.entries, names.map((name) => drivers.filter((d) => d.className === name).length)),
    distinct: event.drivers
  }, drivers)
  const lastDay = event.races.reduce((max, r) => ((r.completedAt ?? "") > max ? (r.completedAt ?? "") : max), "")
  return {
    eventId: event.eventId,
    name: event.name,
    startsAt: `${event.date}T00:00:00`,
    date: event.date,
    dateEnd: lastDay.slice(0, 10) > event.date ? lastDay.slice(0, 10) : null,
    classes,
    entries: event.entries,
    drivers: event.drivers,
    races: event.races.map((race) => ({
      ...race,
      classIndex: names.indexOf(race.className),
      lengthSeconds: race.round === mainEvents
        ? raceLengthSeconds(race.className, sizes.lapsPerDriver) * 2
        : raceLengthSeconds(race.className, sizes.lapsPerDriver)
    })),
    multiMains: event.sideLinks.multiMains.map(({ id, label }) => ({
      id,
      label,
      classIndex: Math.max(0, names.findIndex((name) => label.startsWith(name)))
    })),
    points: event.sideLinks.points.map(({ id, label, counted, of }) => ({
      id,
      label,
      roundsCompleted: counted ?? 0,
      roundsTotal: of ?? 0
    })),
    roundRankings: event.sideLinks.roundRankings.map(({ id, label }, r) => ({ id, label, round: r + 1 })),
    overallRankingId: event.sideLinks.overallRankingId ?? event.eventId
  }
}

/** Entrants of one race: a seeded sample of its class. */
export const raceEntrants = (
  skeleton: EventSkeleton,
  race: SkeletonRace,
  sizes: EventSizes
): Array<Driver> => {
  const pool = skeleton.classes[race.classIndex]?.entries ?? []
  const rng = prngOf(sizes.worldSeed, "entrants", race.raceId)
  return rng.sample(pool.length, sizes.driversPerRace).map((i) => (pool[i] as EventEntry).driver)
}
