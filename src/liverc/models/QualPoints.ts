import { Schema } from "effect"
import { LiveRcId } from "../LiveRcIds.ts"
import { Count, Millis, NonBlank } from "./Common.ts"

/** One qualifying round of a driver's row: `2 : 16/10:18.631`. */
export const QualPointsRound = Schema.Struct({
  /** The number in the column header (`Round 2` -> 2). */
  round: Count,
  /** The number before the colon; null when the cell has none. */
  points: Schema.NullOr(Count),
  laps: Schema.NullOr(Count),
  totalTimeMs: Schema.NullOr(Millis),
  /** What follows the colon as printed (`16/10:18.631`, possibly with a note such as `(DNF)`). */
  result: NonBlank
})
export type QualPointsRound = typeof QualPointsRound.Type

export const QualPointsEntry = Schema.Struct({
  /** Null when LiveRC prints something other than a number. */
  position: Schema.NullOr(Count),
  driverName: NonBlank,
  sourceDriverId: Schema.NullOr(LiveRcId),
  carNumber: Schema.NullOr(Schema.String),
  /**
   * The Result column. Some events rank by aggregate laps/time instead of points (`11/5:09.946`):
   * then points is 0, as the old service stored it, and `resultLaps`/`resultTimeMs` hold the
   * aggregate. Null when the cell is blank.
   */
  points: Schema.NullOr(Count),
  resultLaps: Schema.NullOr(Count),
  resultTimeMs: Schema.NullOr(Millis),
  /** The Tie Breaker column when the table has one; blank and dashes are null. */
  tieBreaker: Schema.NullOr(Schema.String),
  /** Only the rounds with a result, in column order. */
  rounds: Schema.Array(QualPointsRound)
})
export type QualPointsEntry = typeof QualPointsEntry.Type

export const QualPointsClass = Schema.Struct({
  /** Null only on a legacy table that names its class nowhere. */
  className: Schema.NullOr(NonBlank),
  /** The class's `Tie Breaker: ...` rule, e.g. `IFMAR`. */
  tieBreaker: Schema.NullOr(Schema.String),
  entries: Schema.Array(QualPointsEntry)
})
export type QualPointsClass = typeof QualPointsClass.Type

/** The `parse qual-points` JSON: one table per class. */
export const QualPoints = Schema.Struct({
  /** From the URL when it is a `view_points` page. */
  pointsId: Schema.NullOr(LiveRcId),
  classes: Schema.Array(QualPointsClass)
})
export type QualPoints = typeof QualPoints.Type
