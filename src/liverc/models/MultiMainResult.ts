import { Schema } from "effect"
import { LiveRcId } from "../LiveRcIds.ts"
import { Count, Millis, NonBlank } from "./Common.ts"

/** One main of a driver's row: `1st (1pts) : 16/10:01.133`. */
export const MultiMainRun = Schema.Struct({
  /** The column header: `A1`, `A2`, `B3`. */
  main: NonBlank,
  /** Finishing place in that main; null when the cell does not start with one (`DNS`). */
  position: Schema.NullOr(Count),
  points: Schema.NullOr(Count),
  laps: Schema.NullOr(Count),
  totalTimeMs: Schema.NullOr(Millis),
  /** The cell as LiveRC prints it. */
  result: NonBlank
})
export type MultiMainRun = typeof MultiMainRun.Type

export const MultiMainEntry = Schema.Struct({
  /** Null when LiveRC prints something other than a number (DQ, DNS). */
  position: Schema.NullOr(Count),
  /** Blank for a driver who was not seeded. */
  seededPosition: Schema.NullOr(Count),
  driverName: NonBlank,
  /** From `data-driver-id` when the row carries one (the page usually does not). */
  sourceDriverId: Schema.NullOr(LiveRcId),
  carNumber: Schema.NullOr(Schema.String),
  /** Total over the counted mains (lower is better). */
  points: Schema.NullOr(Count),
  /** Only the mains with a result; a main not yet run has a blank cell and is left out. */
  mains: Schema.Array(MultiMainRun)
})
export type MultiMainEntry = typeof MultiMainEntry.Type

/** The `parse multi-main-result` JSON: overall standings of a double/triple main. */
export const MultiMainResult = Schema.Struct({
  /** From the URL when it is a `view_multi_main_result` page. */
  multiMainId: Schema.NullOr(LiveRcId),
  /** The class without the mains designation: `1/8 Electric Buggy`. */
  className: NonBlank,
  /** The table's class header as printed: `1/8 Electric Buggy Triple A-Main`. */
  label: NonBlank,
  /** What follows `Tie Breaker:`, e.g. `Best Finish`. */
  tieBreaker: Schema.NullOr(Schema.String),
  /** `Completed: 2 of 3`. */
  completedMains: Schema.NullOr(Count),
  totalMains: Schema.NullOr(Count),
  /** The main columns in page order. */
  mains: Schema.Array(NonBlank),
  entries: Schema.Array(MultiMainEntry)
})
export type MultiMainResult = typeof MultiMainResult.Type
