import { CronExpressionParser } from "cron-parser"
import { Result, Schema } from "effect"

/**
 * When a schedule fires, as a user writes it (`every`, `cron` or `at`, with an optional `until`)
 * and as NATS stores it (the `Nats-Schedule` header). Pure: the clock is a parameter. Every rule
 * NATS would enforce later is checked here first, so a bad spec is a 400 naming its field, never
 * a schedule that silently does nothing.
 */

export class InvalidSchedule extends Schema.TaggedError<InvalidSchedule>()("InvalidSchedule", {
  field: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `invalid ${this.field}: ${this.reason}`
  }
}

export type ScheduleTiming =
  | { readonly _tag: "Every"; readonly seconds: number }
  /** Six fields (seconds first), evaluated in `timeZone` (UTC when null). */
  | { readonly _tag: "Cron"; readonly expression: string; readonly timeZone: string | null }
  | { readonly _tag: "At"; readonly at: Date }

export interface TimingRequest {
  readonly every?: string | undefined
  readonly cron?: string | undefined
  readonly at?: string | undefined
  readonly until?: string | undefined
  readonly time_zone?: string | undefined
}

export interface ParsedTiming {
  readonly timing: ScheduleTiming
  readonly until: Date | null
}

const MAX_EVERY_SECONDS = 366 * 86_400
const MAX_SPEC_LENGTH = 120

const UNIT_SECONDS: Record<string, number> = { d: 86_400, h: 3600, m: 60, s: 1 }

/** `90s`, `2m`, `1h30m`, `1d`: whole units, largest first. */
export const parseEvery = (text: string): number | null => {
  const match = /^(?:(\d{1,4})d)?(?:(\d{1,5})h)?(?:(\d{1,6})m)?(?:(\d{1,8})s)?$/.exec(text.trim())
  if (match === null || text.trim() === "") return null
  const [, d, h, m, s] = match
  return [d, h, m, s].reduce<number>(
    (total, part, index) => total + (part === undefined ? 0 : Number(part) * UNIT_SECONDS["dhms"[index]!]!),
    0
  )
}

/** `1h30m` for 5400: how a duration is shown back. */
export const formatSeconds = (seconds: number): string => {
  let rest = seconds
  let text = ""
  for (const unit of ["d", "h", "m", "s"]) {
    const size = UNIT_SECONDS[unit]!
    if (rest >= size) {
      text += `${Math.floor(rest / size)}${unit}`
      rest %= size
    }
  }
  return text === "" ? "0s" : text
}

const MACROS: Record<string, string> = {
  "@yearly": "0 0 0 1 1 *",
  "@annually": "0 0 0 1 1 *",
  "@monthly": "0 0 0 1 * *",
  "@weekly": "0 0 0 * * 0",
  "@daily": "0 0 0 * * *",
  "@midnight": "0 0 0 * * *",
  "@hourly": "0 0 * * * *"
}

// What the server's cron accepts in a field: numbers or three-letter names, ranges, lists,
// steps, `*` and `?` (no L, W or #).
const CRON_ITEM = String.raw`(?:\*|(?:\d{1,2}|[A-Za-z]{3})(?:-(?:\d{1,2}|[A-Za-z]{3}))?)(?:\/\d{1,2})?`
const CRON_FIELD = new RegExp(`^(?:\\?|${CRON_ITEM}(?:,${CRON_ITEM})*)$`)

/**
 * Six fields as NATS wants them: a classic five-field line gets second 0; a macro is expanded so
 * that every stored schedule reads the same way.
 */
export const normaliseCron = (text: string): string | null => {
  const trimmed = text.trim()
  if (trimmed.length > MAX_SPEC_LENGTH) return null
  const expanded = MACROS[trimmed.toLowerCase()] ?? trimmed
  const fields = expanded.split(/\s+/)
  if (fields.length !== 5 && fields.length !== 6) return null
  if (!fields.every((field) => CRON_FIELD.test(field))) return null
  return (fields.length === 5 ? ["0", ...fields] : fields).join(" ")
}

const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:\d{2})$/

const parseInstant = (text: string): Date | null => {
  if (!RFC3339.test(text)) return null
  const date = new Date(text)
  return Number.isNaN(date.getTime()) ? null : date
}

const TIME_ZONE = /^(?:UTC|[A-Za-z]+(?:\/[A-Za-z0-9_+-]+){1,2})$/

const knownTimeZone = (zone: string): boolean => {
  if (!TIME_ZONE.test(zone)) return false
  try {
    new Intl.DateTimeFormat("en", { timeZone: zone })
    return true
  } catch {
    return false
  }
}

/** The next `count` firings of a cron timing after `after`. */
export const cronRuns = (timing: Extract<ScheduleTiming, { _tag: "Cron" }>, after: Date, count: number): Array<Date> => {
  const expression = CronExpressionParser.parse(timing.expression, {
    currentDate: after,
    tz: timing.timeZone ?? "UTC"
  })
  const runs: Array<Date> = []
  for (let index = 0; index < count && expression.hasNext(); index++) runs.push(expression.next().toDate())
  return runs
}

/** The shortest gap between consecutive firings over the next `sample` runs, in seconds. */
const shortestCronGap = (timing: Extract<ScheduleTiming, { _tag: "Cron" }>, now: Date, sample: number): number => {
  const runs = cronRuns(timing, now, sample)
  let shortest = Number.POSITIVE_INFINITY
  for (let index = 1; index < runs.length; index++) {
    shortest = Math.min(shortest, (runs[index]!.getTime() - runs[index - 1]!.getTime()) / 1000)
  }
  return shortest
}

const fail = (field: string, reason: string) => Result.fail(new InvalidSchedule({ field, reason }))

/**
 * The timing a request asks for, checked against `now` and the tightest interval allowed
 * (SCHEDULE_MIN_INTERVAL). Exactly one of `every`, `cron`, `at`.
 */
export const parseTiming = (
  request: TimingRequest,
  now: Date,
  minIntervalSeconds: number
): Result.Result<ParsedTiming, InvalidSchedule> => {
  const given = (["every", "cron", "at"] as const).filter((field) => request[field] !== undefined)
  if (given.length !== 1) {
    return fail(given[1] ?? "every", "give exactly one of every, cron or at")
  }
  if (request.time_zone !== undefined && request.cron === undefined) {
    return fail("time_zone", "a time zone applies to cron schedules only")
  }
  let until: Date | null = null
  if (request.until !== undefined) {
    until = parseInstant(request.until)
    if (until === null) return fail("until", "an RFC 3339 time such as 2026-06-01T18:00:00Z")
    if (until.getTime() <= now.getTime()) return fail("until", `${request.until} is in the past`)
  }

  let timing: ScheduleTiming
  if (request.every !== undefined) {
    const seconds = parseEvery(request.every)
    if (seconds === null) return fail("every", "a duration such as 30s, 2m, 1h30m or 1d")
    if (seconds < minIntervalSeconds) {
      return fail(
        "every",
        `${request.every} is shorter than the minimum interval ${formatSeconds(minIntervalSeconds)} (SCHEDULE_MIN_INTERVAL)`
      )
    }
    if (seconds > MAX_EVERY_SECONDS) return fail("every", `at most ${formatSeconds(MAX_EVERY_SECONDS)}`)
    timing = { _tag: "Every", seconds }
  } else if (request.cron !== undefined) {
    const expression = normaliseCron(request.cron)
    if (expression === null) {
      return fail("cron", "five or six fields (seconds first when six; numbers, names, *, ?, -, / and ,) or @hourly/@daily/...")
    }
    const zone = request.time_zone ?? null
    if (zone !== null && !knownTimeZone(zone)) return fail("time_zone", "an IANA time zone such as Europe/London, or UTC")
    timing = { _tag: "Cron", expression, timeZone: zone }
    let gap: number
    try {
      gap = shortestCronGap(timing, now, 16)
    } catch (error) {
      return fail("cron", error instanceof Error ? error.message : "not a cron expression")
    }
    if (!Number.isFinite(gap)) return fail("cron", "never fires")
    if (gap < minIntervalSeconds) {
      return fail("cron", `fires every ${formatSeconds(gap)}, more often than the minimum interval ${formatSeconds(minIntervalSeconds)} (SCHEDULE_MIN_INTERVAL)`)
    }
  } else {
    const at = parseInstant(request.at!)
    if (at === null) return fail("at", "an RFC 3339 time such as 2026-06-01T18:00:00Z")
    if (at.getTime() <= now.getTime()) return fail("at", `${request.at} is in the past`)
    if (until !== null && until.getTime() <= at.getTime()) return fail("until", "must be after at")
    timing = { _tag: "At", at }
  }
  return Result.succeed({ timing, until })
}

/** The `Nats-Schedule` header value. */
export const natsSchedule = (timing: ScheduleTiming): string => {
  switch (timing._tag) {
    case "Every":
      return `@every ${timing.seconds}s`
    case "Cron":
      return timing.expression
    case "At":
      return `@at ${timing.at.toISOString().replace(/\.000Z$/, "Z")}`
  }
}

/** How the timing reads back to a user (`every 2m`, `cron 0 0 2 * * *`, `at ...`). */
export const describeTiming = (timing: ScheduleTiming): string => {
  switch (timing._tag) {
    case "Every":
      return `every ${formatSeconds(timing.seconds)}`
    case "Cron":
      return timing.timeZone === null ? `cron ${timing.expression}` : `cron ${timing.expression} (${timing.timeZone})`
    case "At":
      return `at ${timing.at.toISOString()}`
  }
}

/**
 * The next firing after `now`, or null when none is left. An interval fires `seconds` after the
 * schedule was stored and every `seconds` after that.
 */
export const nextRun = (timing: ScheduleTiming, storedAt: Date, now: Date, until: Date | null): Date | null => {
  let next: Date | null
  switch (timing._tag) {
    case "Every": {
      const period = timing.seconds * 1000
      const elapsed = Math.max(0, now.getTime() - storedAt.getTime())
      next = new Date(storedAt.getTime() + (Math.floor(elapsed / period) + 1) * period)
      break
    }
    case "Cron":
      next = cronRuns(timing, now, 1)[0] ?? null
      break
    case "At":
      next = timing.at.getTime() > now.getTime() ? timing.at : null
  }
  return next !== null && until !== null && next.getTime() > until.getTime() ? null : next
}
