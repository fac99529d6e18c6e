import { Schema } from "effect"
import { LiveRcId } from "../LiveRcIds.ts"
import { Count, Millis, NonBlank } from "./Common.ts"

export const OverallRankingEntry = Schema.Struct({
  /** Null when LiveRC prints something other than a number. */
  position: Schema.NullOr(Count),
  driverName: NonBlank,
  sourceDriverId: Schema.NullOr(LiveRcId),
  carNumber: Schema.NullOr(Schema.String),
  /** The Race column: the main the place was decided in, e.g. `A Main`. */
  race: Schema.NullOr(NonBlank),
  /** When the Race cell links its race result. */
  raceId: Schema.NullOr(LiveRcId),
  /** The Result column as printed: `[2] [1] 17/10:02.843`. */
  result: Schema.NullOr(NonBlank),
  /** The bracketed numbers before the laps/time, in order (LiveRC does not label them). */
  bracketed: Schema.Array(Count),
  laps: Schema.NullOr(Count),
  totalTimeMs: Schema.NullOr(Millis),
  /** Brand and Country columns, when the table has them. */
  brand: Schema.NullOr(NonBlank),
  country: Schema.NullOr(NonBlank)
})
export type OverallRankingEntry = typeof OverallRankingEntry.Type

export const OverallRankingClass = Schema.Struct({
  className: NonBlank,
  entries: Schema.Array(OverallRankingEntry)
})
export type OverallRankingClass = typeof OverallRankingClass.Type

/** The `parse overall-ranking` JSON: the event's final order, one table per class. */
export const OverallRanking = Schema.Struct({
  /** From the URL when it is an `event_overall_ranking` page (the id is the event's). */
  eventId: Schema.NullOr(LiveRcId),
  classes: Schema.Array(OverallRankingClass)
})
export type OverallRanking = typeof OverallRanking.Type
