import { Schema } from "effect"
import { LiveRcId } from "../LiveRcIds.ts"
import { Count, LocalDate, LocalDateTime, Millis, NonBlank, Percent } from "./Common.ts"

/** The month calendar: the days that have practice sessions. */
export const PracticeMonthView = Schema.Struct({
  month: Schema.String,
  days: Schema.Array(LocalDate)
})
export type PracticeMonthView = typeof PracticeMonthView.Type

export const PracticeSessionSummary = Schema.Struct({
  sessionId: LiveRcId,
  driverName: NonBlank,
  className: Schema.NullOr(Schema.String),
  transponder: Schema.NullOr(Schema.String),
  startedAt: LocalDateTime,
  lapCount: Count,
  durationMs: Schema.NullOr(Millis),
  fastLapMs: Schema.NullOr(Millis),
  avgLapMs: Schema.NullOr(Millis)
})
export type PracticeSessionSummary = typeof PracticeSessionSummary.Type

/** A day's session list; a day without practice is an empty list, not an error. */
export const PracticeDayView = Schema.Struct({
  date: LocalDate,
  sessions: Schema.Array(PracticeSessionSummary)
})
export type PracticeDayView = typeof PracticeDayView.Type

export const PracticeLap = Schema.Struct({
  lap: Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(1))),
  timeMs: Millis
})

export const PracticeSessionDetail = Schema.Struct({
  sessionId: Schema.NullOr(LiveRcId),
  driverName: NonBlank,
  className: Schema.NullOr(Schema.String),
  transponder: Schema.NullOr(Schema.String),
  startedAt: LocalDateTime,
  durationMs: Schema.NullOr(Millis),
  lapCount: Count,
  fastLapMs: Schema.NullOr(Millis),
  avgLapMs: Schema.NullOr(Millis),
  consistencyPct: Schema.NullOr(Percent),
  laps: Schema.Array(PracticeLap)
})
export type PracticeSessionDetail = typeof PracticeSessionDetail.Type
