import { Result } from "effect"
import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  describeTiming,
  formatSeconds,
  natsSchedule,
  nextRun,
  normaliseCron,
  parseEvery,
  parseTiming,
  type TimingRequest
} from "../../src/queue/ScheduleSpec.ts"

const NOW = new Date("2026-06-01T10:00:00.000Z")
const MINUTE = 60

const parsed = (request: TimingRequest, minInterval = MINUTE) => {
  const result = parseTiming(request, NOW, minInterval)
  if (Result.isFailure(result)) throw new Error(result.failure.message)
  return result.success
}

const refusal = (request: TimingRequest, minInterval = MINUTE) => {
  const result = parseTiming(request, NOW, minInterval)
  if (Result.isSuccess(result)) throw new Error(`accepted ${JSON.stringify(request)}`)
  return { field: result.failure.field, reason: result.failure.reason }
}

describe("parseEvery", () => {
  it("reads whole units, largest first", () => {
    expect(parseEvery("90s")).toBe(90)
    expect(parseEvery("2m")).toBe(120)
    expect(parseEvery("1h30m")).toBe(5400)
    expect(parseEvery("1d")).toBe(86_400)
  })

  it("refuses what is not a duration", () => {
    for (const text of ["", "soon", "1.5m", "30m1h", "-1m", "2 m", "500ms"]) expect(parseEvery(text), text).toBeNull()
  })

  it("shows a duration back in the same units", () => {
    expect(formatSeconds(5400)).toBe("1h30m")
    expect(formatSeconds(120)).toBe("2m")
  })
})

describe("normaliseCron", () => {
  it("gives a five-field line second 0 and expands macros, so every stored schedule reads the same", () => {
    expect(normaliseCron("30 0 * * *")).toBe("0 30 0 * * *")
    expect(normaliseCron("0 30 0 * * *")).toBe("0 30 0 * * *")
    expect(normaliseCron("@daily")).toBe("0 0 0 * * *")
    expect(normaliseCron("*/5 9-17 * * MON-FRI")).toBe("0 */5 9-17 * * MON-FRI")
  })

  it("refuses a line the broker's cron would not take", () => {
    for (const text of ["every tuesday", "* * * *", "* * * * * * *", "0 0 L * *", "0 0 1#2 * *", "0 0 * * * ; rm"]) {
      expect(normaliseCron(text), text).toBeNull()
    }
  })
})

describe("parseTiming", () => {
  it("an interval becomes @every in seconds", () => {
    const { timing, until } = parsed({ every: "2m" })
    expect(natsSchedule(timing)).toBe("@every 120s")
    expect(describeTiming(timing)).toBe("every 2m")
    expect(until).toBeNull()
  })

  it("a cron line is stored with six fields, in UTC unless a time zone is given", () => {
    expect(natsSchedule(parsed({ cron: "0 2 * * *" }).timing)).toBe("0 0 2 * * *")
    const zoned = parsed({ cron: "0 2 * * *", time_zone: "Europe/London" }).timing
    expect(zoned).toEqual({ _tag: "Cron", expression: "0 0 2 * * *", timeZone: "Europe/London" })
  })

  it("a one-off time becomes @at", () => {
    expect(natsSchedule(parsed({ at: "2026-06-01T18:00:00Z" }).timing)).toBe("@at 2026-06-01T18:00:00Z")
  })

  it("keeps until", () => {
    expect(parsed({ every: "5m", until: "2026-06-01T18:00:00+02:00" }).until?.toISOString()).toBe("2026-06-01T16:00:00.000Z")
  })

  it("refuses an interval under the minimum, naming the setting", () => {
    const { field, reason } = refusal({ every: "30s" })
    expect(field).toBe("every")
    expect(reason).toContain("SCHEDULE_MIN_INTERVAL")
  })

  it("refuses a cron line that fires more often than the minimum", () => {
    expect(refusal({ cron: "*/30 * * * * *" }).field).toBe("cron")
    expect(refusal({ cron: "0,10 * * * * *" }, 60).field).toBe("cron")
    expect(parsed({ cron: "*/30 * * * * *" }, 30).timing._tag).toBe("Cron")
  })

  it("refuses until or at in the past, until before at, and anything not RFC 3339", () => {
    expect(refusal({ every: "5m", until: "2026-06-01T09:59:59Z" })).toMatchObject({ field: "until", reason: expect.stringContaining("past") })
    expect(refusal({ at: "2026-06-01T09:00:00Z" })).toMatchObject({ field: "at", reason: expect.stringContaining("past") })
    expect(refusal({ at: "2026-06-01T12:00:00Z", until: "2026-06-01T11:00:00Z" }).field).toBe("until")
    expect(refusal({ every: "5m", until: "tomorrow" }).field).toBe("until")
    expect(refusal({ at: "2026-06-01 18:00" }).field).toBe("at")
  })

  it("wants exactly one of every, cron and at", () => {
    expect(refusal({}).field).toBe("every")
    expect(refusal({ every: "5m", cron: "0 * * * *" }).field).toBe("cron")
    expect(refusal({ every: "5m", time_zone: "UTC" }).field).toBe("time_zone")
  })

  it("refuses a time zone that is not one", () => {
    expect(refusal({ cron: "0 2 * * *", time_zone: "Mars/Olympus" }).field).toBe("time_zone")
    expect(refusal({ cron: "0 2 * * *", time_zone: "+02:00" }).field).toBe("time_zone")
  })

  it("answers any input with a timing or a refusal naming a field, never a throw", () => {
    const field = fc.option(fc.string({ maxLength: 200 }), { nil: undefined })
    fc.assert(
      fc.property(fc.record({ every: field, cron: field, at: field, until: field, time_zone: field }), (request) => {
        const result = parseTiming(request, NOW, MINUTE)
        if (Result.isFailure(result)) expect(["every", "cron", "at", "until", "time_zone"]).toContain(result.failure.field)
      }),
      { numRuns: 2000 }
    )
  })
})

describe("nextRun", () => {
  it("an interval fires every period from when it was stored", () => {
    const { timing } = parsed({ every: "2m" })
    const stored = new Date("2026-06-01T09:59:00.000Z")
    expect(nextRun(timing, stored, NOW, null)?.toISOString()).toBe("2026-06-01T10:01:00.000Z")
  })

  it("a cron line fires at its next match in its time zone", () => {
    expect(nextRun(parsed({ cron: "0 2 * * *" }).timing, NOW, NOW, null)?.toISOString()).toBe("2026-06-02T02:00:00.000Z")
    // 02:00 in London in June is 01:00 UTC.
    const london = parsed({ cron: "0 2 * * *", time_zone: "Europe/London" }).timing
    expect(nextRun(london, NOW, NOW, null)?.toISOString()).toBe("2026-06-02T01:00:00.000Z")
  })

  it("none after until, and none once a one-off time has passed", () => {
    const { timing } = parsed({ every: "2m" })
    expect(nextRun(timing, NOW, NOW, new Date("2026-06-01T10:01:00Z"))).toBeNull()
    const once = parsed({ at: "2026-06-01T10:30:00Z" }).timing
    expect(nextRun(once, NOW, new Date("2026-06-01T11:00:00Z"), null)).toBeNull()
  })
})
