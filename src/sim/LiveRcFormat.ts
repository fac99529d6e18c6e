/**
 * How LiveRC writes numbers, times and dates, so synthetic pages read exactly like the captured
 * ones. Every value the generators produce is representable here without loss (integer
 * milliseconds, hundredths of a percent, whole minutes), which is what makes the round trip exact.
 */

const pad = (value: number, width: number): string => String(value).padStart(width, "0")

/** `36.589`: seconds with exactly three decimals (table cells, hidden sort values). */
export const seconds3 = (ms: number): string => `${Math.floor(ms / 1000)}.${pad(ms % 1000, 3)}`

/** `38.17`: the racerLaps script form, PHP-style with trailing zeros dropped (`'0'` for lap 0). */
export const jsSeconds = (ms: number): string => {
  const whole = Math.floor(ms / 1000)
  const frac = ms % 1000
  if (frac === 0) return String(whole)
  return `${whole}.${pad(frac, 3).replace(/0+$/, "")}`
}

/** `30:31.382`, or `1:00:31.382` from an hour up: a race total or a multi-lap time. */
export const clock = (ms: number): string => {
  const totalSeconds = Math.floor(ms / 1000)
  const millis = pad(ms % 1000, 3)
  const hours = Math.floor(totalSeconds / 3600)
  const minutes = Math.floor((totalSeconds % 3600) / 60)
  const seconds = totalSeconds % 60
  return hours > 0
    ? `${hours}:${pad(minutes, 2)}:${pad(seconds, 2)}.${millis}`
    : `${minutes}:${pad(seconds, 2)}.${millis}`
}

/** `30:00` or `1:00:00`: a race length or session length in whole seconds. */
export const duration = (totalSeconds: number): string => {
  const hours = Math.floor(totalSeconds / 3600)
  const minutes = Math.floor((totalSeconds % 3600) / 60)
  const seconds = totalSeconds % 60
  return hours > 0 ? `${hours}:${pad(minutes, 2)}:${pad(seconds, 2)}` : `${minutes}:${pad(seconds, 2)}`
}

/** `92.82` from 9282 hundredths. */
export const hundredths = (value: number): string => `${Math.floor(value / 100)}.${pad(value % 100, 2)}`

/** `97.1` from 971 tenths. */
export const tenths = (value: number): string => `${Math.floor(value / 10)}.${value % 10}`

/** `92.820` from 9282 hundredths (the racerLaps form). */
export const hundredths3 = (value: number): string => `${hundredths(value)}0`

/** `4,129`. */
export const thousands = (value: number): string => String(value).replace(/\B(?=(\d{3})+(?!\d))/g, ",")

const monthsShort = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
const monthsLong = [
  "January",
  "February",
  "March",
  "April",
  "May",
  "June",
  "July",
  "August",
  "September",
  "October",
  "November",
  "December"
]
const weekdays = ["Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday"]

/** Parts of a naive `YYYY-MM-DD` or `YYYY-MM-DDTHH:MM:SS` (LiveRC times carry no zone). */
interface LocalParts {
  readonly year: number
  readonly month: number
  readonly day: number
  readonly hour: number
  readonly minute: number
  readonly second: number
}

const partsOf = (local: string): LocalParts => ({
  year: Number(local.slice(0, 4)),
  month: Number(local.slice(5, 7)),
  day: Number(local.slice(8, 10)),
  hour: local.length > 10 ? Number(local.slice(11, 13)) : 0,
  minute: local.length > 10 ? Number(local.slice(14, 16)) : 0,
  second: local.length > 10 ? Number(local.slice(17, 19)) : 0
})

/** Days since 1970-01-01 of a `YYYY-MM-DD`; the arithmetic runs in UTC so no zone interferes. */
export const dayNumber = (date: string): number => Math.round(Date.parse(`${date.slice(0, 10)}T00:00:00Z`) / 86_400_000)

export const dateOfDayNumber = (day: number): string => new Date(day * 86_400_000).toISOString().slice(0, 10)

export const addDays = (date: string, days: number): string => dateOfDayNumber(dayNumber(date) + days)

/** Adds seconds to a naive local date-time. */
export const addSeconds = (local: string, seconds: number): string =>
  new Date(Date.parse(`${local}Z`) + seconds * 1000).toISOString().slice(0, 19)

/** Day of week, 0 = Sunday. */
export const weekdayOf = (date: string): number => new Date(`${date.slice(0, 10)}T00:00:00Z`).getUTCDay()

export const daysInMonth = (month: string): number => {
  const year = Number(month.slice(0, 4))
  const m = Number(month.slice(5, 7))
  return new Date(Date.UTC(year, m, 0)).getUTCDate()
}

/** `Nov 16, 2025`. */
export const shortDate = (local: string): string => {
  const p = partsOf(local)
  return `${monthsShort[p.month - 1]} ${p.day}, ${p.year}`
}

/** `October 25, 2025 (Saturday)`. */
export const longDateWithWeekday = (local: string): string => {
  const p = partsOf(local)
  return `${monthsLong[p.month - 1]} ${p.day}, ${p.year} (${weekdays[weekdayOf(local)]})`
}

/** `October 2025`. */
export const monthTitle = (month: string): string => `${monthsLong[Number(month.slice(5, 7)) - 1]} ${month.slice(0, 4)}`

const twelveHour = (hour: number): { readonly h: number; readonly suffix: string } => ({
  h: hour % 12 === 0 ? 12 : hour % 12,
  suffix: hour < 12 ? "am" : "pm"
})

/** `5:30pm`. */
export const clockTime = (local: string): string => {
  const p = partsOf(local)
  const { h, suffix } = twelveHour(p.hour)
  return `${h}:${pad(p.minute, 2)}${suffix}`
}

/** `2:43:27pm`. */
export const clockTimeWithSeconds = (local: string): string => {
  const p = partsOf(local)
  const { h, suffix } = twelveHour(p.hour)
  return `${h}:${pad(p.minute, 2)}:${pad(p.second, 2)}${suffix}`
}

/** `2025-11-16 08:30:00`: the hidden sort value in list cells. */
export const sortableDateTime = (local: string): string => local.replace("T", " ")

/** HTTP-date for `Last-Modified`. */
export const httpDate = (epochMs: number): string => new Date(epochMs).toUTCString()

const htmlEscapes: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", "\"": "&quot;" }

/** Escapes text and attribute values; apostrophes stay literal as on LiveRC. */
export const html = (text: string): string => text.replace(/[&<>"]/g, (c) => htmlEscapes[c] ?? c)

/** A single-quoted JS string body as LiveRC writes it: `O\'LOUGHLIN`. */
export const jsString = (text: string): string => text.replace(/\\/g, "\\\\").replace(/'/g, "\\'")
