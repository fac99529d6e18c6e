import { Schema } from "effect"
import { LiveRcId } from "../LiveRcIds.ts"
import { Count, Millis, NonBlank, Percent } from "./Common.ts"

/** One completed lap; lap 0 (the start line) is never included. */
export const Lap = Schema.Struct({
  lap: Schema.Int.pipe(Schema.check(Schema.isGreaterThanOrEqualTo(1))),
  position: Schema.NullOr(Count),
  timeMs: Millis
})
export type Lap = typeof Lap.Type

export const RaceResultRow = Schema.Struct({
  /** Null when LiveRC prints something other than a number (DQ, DNS). */
  position: Schema.NullOr(Count),
  driverName: NonBlank,
  /** From `data-driver-id`, else recovered from `racerLaps` by name, else null. */
  sourceDriverId: Schema.NullOr(LiveRcId),
  carNumber: Schema.NullOr(Schema.String),
  qualPosition: Schema.NullOr(Count),
  lapsCompleted: Count,
  totalTimeMs: Schema.NullOr(Millis),
  fastLapMs: Schema.NullOr(Millis),
  fastLapNumber: Schema.NullOr(Count),
  avgLapMs: Schema.NullOr(Millis),
  consistencyPct: Schema.NullOr(Percent),
  laps: Schema.Array(Lap)
})
export type RaceResultRow = typeof RaceResultRow.Type

/** The `parse race-result` and `show race` JSON: stored and parsed compare equal. */
export const RaceResult = Schema.Struct({
  raceId: Schema.optionalKey(LiveRcId),
  raceNumber: Schema.NullOr(Count),
  className: NonBlank,
  round: Schema.NullOr(Schema.String),
  results: Schema.Array(RaceResultRow)
})
export type RaceResult = typeof RaceResult.Type
