import { Schema } from "effect"
import { LiveRcId } from "../LiveRcIds.ts"
import { Count, LocalDateTime, NonBlank } from "./Common.ts"

export const ListedEvent = Schema.Struct({
  eventId: LiveRcId,
  name: NonBlank,
  startsAt: LocalDateTime,
  entries: Count,
  drivers: Count
})
export type ListedEvent = typeof ListedEvent.Type

/** `/events` and `/results/` both list a track's events in this shape. */
export const EventList = Schema.Struct({
  events: Schema.Array(ListedEvent)
})
export type EventList = typeof EventList.Type
