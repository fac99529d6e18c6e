import type { LiveRcId } from "../liverc/LiveRcIds.ts"
import type { PracticeDayView, PracticeMonthView, PracticeSessionDetail } from "../liverc/models/Practice.ts"
import { addSeconds, dateOfDayNumber, dayNumber, daysInMonth, weekdayOf } from "./LiveRcFormat.ts"
import { classBaseLapMs, classNames, type Driver, driverAt, driverCount } from "./Names.ts"
import { prngOf, seedOf } from "./Prng.ts"
import type { PracticeKnobs } from "./SimConfig.ts"

/**
 * Practice days: which days of a track have sessions, and each session's laps. A session id
 * encodes its track, day and slot (`trackPart * 1e8 + dayIndex * 1000 + slot`), so the session
 * page rebuilds exactly the session the day list showed. Days before 2000 never have sessions.
 */

const epochDay = dayNumber("2000-01-01")
const maxSessionMs = 3_500_000

export interface PracticeSettings {
  readonly worldSeed: number
  readonly knobs: PracticeKnobs
}

/** Four digits standing for the track inside session ids. */
export const practiceTrackPart = (slug: string): number => 1_000 + (seedOf("practice-track", slug) % 9_000)

const sessionIdOf = (trackPart: number, date: string, slot: number): string =>
  String(trackPart * 100_000_000 + (dayNumber(date) - epochDay) * 1_000 + slot)

export const decodeSessionId = (
  sessionId: string
): { readonly trackPart: number; readonly date: string; readonly slot: number } | null => {
  const n = Number(sessionId)
  const trackPart = Math.floor(n / 100_000_000)
  const slot = n % 1_000
  if (trackPart < 1_000 || slot < 1) return null
  return { trackPart, date: dateOfDayNumber(epochDay + Math.floor((n % 100_000_000) / 1_000)), slot }
}

/** Whether a day has sessions: the `days` list when set, else a seeded draw (weekends twice as likely). */
const dayHasSessions = (settings: PracticeSettings, trackPart: number, date: string, revision: number): boolean => {
  if (revision > 0) return true
  if (dayNumber(date) < epochDay) return false
  const { days, dayProbability } = settings.knobs
  if (days !== null) return days.includes(date)
  const weekday = weekdayOf(date)
  const p = Math.min(1, dayProbability * (weekday === 0 || weekday === 6 ? 2 : 1))
  return prngOf(settings.worldSeed, "practice-day", trackPart, date).chance(p)
}

const trackDrivers = (settings: PracticeSettings, trackPart: number): Array<Driver> =>
  prngOf(settings.worldSeed, "practice-drivers", trackPart).sample(driverCount, 24).map(driverAt)

const trackClasses = (settings: PracticeSettings, trackPart: number): Array<string> =>
  prngOf(settings.worldSeed, "practice-classes", trackPart).sample(classNames.length, 3).map((i) => classNames[i] as string)

/** Tenths of a percent, like the session page's `Consistency: 97.1%`. */
const consistencyTenths = (laps: ReadonlyArray<number>): number => {
  const mean = laps.reduce((a, b) => a + b, 0) / laps.length
  const variance = laps.reduce((acc, t) => acc + (t - mean) ** 2, 0) / laps.length
  return Math.min(1_000, Math.max(0, Math.round((100 - (Math.sqrt(variance) / mean) * 100) * 10)))
}

export const practiceDay = (
  settings: PracticeSettings,
  trackPart: number,
  date: string,
  revision: number
): Array<PracticeSessionDetail> => {
  if (!dayHasSessions(settings, trackPart, date, revision)) return []
  const rng = prngOf(settings.worldSeed, "practice-sessions", trackPart, date)
  const { sessionsPerDay, lapsPerSession } = settings.knobs
  const count = Math.min(999, Math.max(1, rng.int(sessionsPerDay.min, sessionsPerDay.max)) + revision)
  const drivers = trackDrivers(settings, trackPart)
  const classes = trackClasses(settings, trackPart)
  const starts = Array.from({ length: count }, () => rng.int(0, 8 * 3600)).sort((a, b) => a - b)
  return starts.map((offset, i) => {
    const driver = rng.pick(drivers)
    const className = rng.pick(classes)
    const base = classBaseLapMs(className) * (0.97 + rng.next() * 0.1)
    const lapCount = rng.int(lapsPerSession.min, lapsPerSession.max)
    const laps: Array<number> = []
    let total = 0
    while (laps.length < lapCount) {
      const ms = Math.min(59_999, Math.max(5_000, Math.round(base * (1 + 0.02 * rng.normal()) + (rng.chance(0.06) ? 4_000 : 0))))
      if (total + ms > maxSessionMs) break
      laps.push(ms)
      total += ms
    }
    const fastest = Math.min(...laps)
    return {
      sessionId: sessionIdOf(trackPart, date, i + 1) as LiveRcId,
      driverName: driver.name,
      className,
      transponder: driver.transponder,
      startedAt: addSeconds(`${date}T09:00:00`, offset),
      durationMs: Math.ceil(total / 1_000) * 1_000,
      lapCount: laps.length,
      fastLapMs: fastest,
      avgLapMs: Math.round(total / laps.length),
      consistencyPct: consistencyTenths(laps) / 10,
      laps: laps.map((timeMs, n) => ({ lap: n + 1, timeMs }))
    }
  })
}

export const practiceDayView = (sessions: ReadonlyArray<PracticeSessionDetail>, date: string): PracticeDayView => ({
  date,
  sessions: sessions.map(({ consistencyPct: _c, laps: _l, ...summary }) => ({
    ...summary,
    sessionId: summary.sessionId as LiveRcId
  }))
})

export const practiceMonth = (
  settings: PracticeSettings,
  trackPart: number,
  month: string,
  revisionOf: (date: string) => number
): PracticeMonthView => {
  const days: Array<string> = []
  const length = daysInMonth(month)
  for (let day = 1; day <= length; day++) {
    const date = `${month}-${String(day).padStart(2, "0")}`
    if (settings.knobs.calendar === "listed" && dayHasSessions(settings, trackPart, date, revisionOf(date))) {
      days.push(date)
    }
  }
  return { month, days }
}
