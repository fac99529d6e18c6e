import { Schema } from "effect"
import { LiveRcId } from "../LiveRcIds.ts"
import { RoundRankingOrder } from "../LiveRcUrls.ts"
import { Count, Millis, NonBlank } from "./Common.ts"

export const RoundRankingEntry = Schema.Struct({
  /** Null when LiveRC prints something other than a number. */
  position: Schema.NullOr(Count),
  driverName: NonBlank,
  sourceDriverId: Schema.NullOr(LiveRcId),
  carNumber: Schema.NullOr(Schema.String),
  /** The ranked value as printed, without hidden sort keys: `16/10:32.136`, `1:51.828`, `DNS`. */
  result: Schema.NullOr(NonBlank),
  /** From a `laps/time` value (`o=laps_time`). */
  laps: Schema.NullOr(Count),
  totalTimeMs: Schema.NullOr(Millis),
  /** From a value that is a time alone (`o=top_3_consecutive`). */
  valueMs: Schema.NullOr(Millis),
  /** Only when the table has a fastest-lap column. */
  fastLapMs: Schema.NullOr(Millis)
})
export type RoundRankingEntry = typeof RoundRankingEntry.Type

export const RoundRankingClass = Schema.Struct({
  /** Null when neither the table nor a short heading just before it names the class. */
  className: Schema.NullOr(NonBlank),
  entries: Schema.Array(RoundRankingEntry)
})
export type RoundRankingClass = typeof RoundRankingClass.Type

/** The `parse round-ranking` JSON: the classes ranked after one qualifying round. */
export const RoundRanking = Schema.Struct({
  /** From the URL when it is a `view_round_ranking` page. */
  roundId: Schema.NullOr(LiveRcId),
  /** The URL's `o=`; null when absent or not one the service knows. */
  order: Schema.NullOr(RoundRankingOrder),
  /** The panel heading, e.g. `Qualifier Round 1 Rankings`. */
  title: Schema.NullOr(NonBlank),
  classes: Schema.Array(RoundRankingClass)
})
export type RoundRanking = typeof RoundRanking.Type
