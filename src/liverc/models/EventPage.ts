import { Schema } from "effect"
import { LiveRcId } from "../LiveRcIds.ts"
import { RoundRankingOrder } from "../LiveRcUrls.ts"
import { Count, LocalDate, LocalDateTime, NonBlank } from "./Common.ts"

export const EventRace = Schema.Struct({
  raceId: LiveRcId,
  /** The number after "Race"; it restarts in every round, so it is not a global order. */
  raceNumber: Count,
  /** Class without the race label: `1/8 Nitro Buggy`. */
  className: NonBlank,
  /** What the parentheses say: `1/8 Nitro Buggy A-Main`. */
  label: NonBlank,
  /** The section header the race sits under: `Main Events`, `Qualifier Round 3`. */
  round: NonBlank,
  completedAt: Schema.NullOr(LocalDateTime)
})
export type EventRace = typeof EventRace.Type

export const LinkedPage = Schema.Struct({ id: LiveRcId, label: Schema.String })

export const PointsLink = Schema.Struct({
  id: LiveRcId,
  label: Schema.String,
  roundsCompleted: Schema.NullOr(Count),
  roundsTotal: Schema.NullOr(Count)
})

export const RoundRankingLink = Schema.Struct({
  id: LiveRcId,
  label: Schema.String,
  order: Schema.NullOr(RoundRankingOrder)
})

export const EventPage = Schema.Struct({
  eventId: Schema.NullOr(LiveRcId),
  name: NonBlank,
  date: LocalDate,
  dateEnd: Schema.NullOr(LocalDate),
  entries: Schema.NullOr(Count),
  drivers: Schema.NullOr(Count),
  totalRaceLaps: Schema.NullOr(Count),
  entryListId: Schema.NullOr(LiveRcId),
  /** In page order (newest first). */
  races: Schema.Array(EventRace),
  multiMains: Schema.Array(LinkedPage),
  points: Schema.Array(PointsLink),
  roundRankings: Schema.Array(RoundRankingLink),
  overallRankingId: Schema.NullOr(LiveRcId)
})
export type EventPage = typeof EventPage.Type
