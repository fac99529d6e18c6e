import { rangeDays } from "../jobs/JobCommands.ts"
import type { PracticeDate, PracticeMonth } from "../liverc/LiveRcIds.ts"

/**
 * Calendar arithmetic of a practice discovery, on UTC day numbers: the days and months of a
 * range, and which days are over everywhere (only those may be remembered as empty).
 */

const DAY_MILLIS = 86_400_000

const dayNumber = (date: PracticeDate): number => Date.parse(`${date}T00:00:00Z`) / DAY_MILLIS

const dateOf = (day: number) => new Date(day * DAY_MILLIS).toISOString().slice(0, 10) as PracticeDate


/** Number of days from `from` to `to`, both included; 0 when `to` is before `from`. */
export const rangeLength = (from: PracticeDate, to: PracticeDate): number => Math.max(0, rangeDays(from, to))

/** Every day from `from` to `to`, both included, in order. */
export const daysOf = (from: PracticeDate, to: PracticeDate): ReadonlyArray<PracticeDate> => {
  const start = dayNumber(from)
  return Array.from({ length: rangeLength(from, to) }, (_, i) => dateOf(start + i))
}

export const monthOf = (date: PracticeDate): PracticeMonth => date.slice(0, 7) as PracticeMonth

/** The months the days fall in, in order. */
export const monthsOf = (days: ReadonlyArray<PracticeDate>): ReadonlyArray<PracticeMonth> => [...new Set(days.map(monthOf))]

/**
 * Whether the day is over at every track: track times are local, down to UTC-12, so a day can
 * still get sessions until a day and a half after it began in UTC; two days leave late uploads
 * some slack. An empty answer for a day that is not over says nothing about asking tomorrow.
 */
export const isOverEverywhere = (date: PracticeDate, nowMillis: number): boolean =>
  (dayNumber(date) + 2) * DAY_MILLIS <= nowMillis
