import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { parseEventPage } from "../../src/liverc/EventPageParser.ts"
import type { LiveRcId, TrackSlug } from "../../src/liverc/LiveRcIds.ts"
import { parseRaceResult } from "../../src/liverc/RaceResultParser.ts"
import type { EventPage, EventRace } from "../../src/liverc/models/EventPage.ts"
import type { RaceResult, RaceResultRow } from "../../src/liverc/models/RaceResult.ts"
import type { EventSnapshot } from "../../src/db/EventSnapshot.ts"

const captured = join(import.meta.dirname, "../../src/sim/captured")
export const capturedPage = (name: string) => readFileSync(join(captured, name), "utf8")

export const slug = "canberraoffroad" as TrackSlug
export const realEventId = "486677" as LiveRcId
export const realRaceIds = ["6304829" as LiveRcId, "6304822" as LiveRcId]

const resultsUrl = (page: string, id: string) => `https://${slug}.liverc.com/results/?p=${page}&id=${id}`
export const eventUrl = (id: string) => resultsUrl("view_event", id)
export const raceUrl = (id: string) => resultsUrl("view_race_result", id)

/** The real event page and the two real race pages of event 486677, parsed by the project's parsers. */
export const loadRealEvent = Effect.gen(function*() {
  const event = yield* parseEventPage(capturedPage("event-486677/event.html"), eventUrl(realEventId))
  const results = new Map<LiveRcId, RaceResult>()
  for (const raceId of realRaceIds) {
    results.set(raceId, yield* parseRaceResult(capturedPage(`event-486677/race.${raceId}.html`), raceUrl(raceId)))
  }
  return { event, results }
})

/** The real event at `depth`: event page, every listed race, results for the two real race pages. */
export const realSnapshot = (
  event: EventPage,
  results: ReadonlyMap<LiveRcId, RaceResult>,
  depth: EventSnapshot["depth"] = "laps_full"
): EventSnapshot => ({
  trackSlug: slug,
  eventId: realEventId,
  depth,
  event,
  races: event.races.map((listing) => ({ raceId: listing.raceId, listing, result: results.get(listing.raceId) ?? null })),
  validators: [
    { url: eventUrl(realEventId), etag: "\"event-v1\"", lastModified: null },
    ...[...results.keys()].map((raceId) => ({ url: raceUrl(raceId), etag: `"race-${raceId}-v1"`, lastModified: null }))
  ]
})

/** A deterministic synthetic race: `drivers` rows of `laps` laps each; `variant` shifts every time. */
export const syntheticResult = (
  raceId: string,
  options: { readonly drivers: number; readonly laps: number; readonly variant?: number }
): RaceResult => {
  const variant = options.variant ?? 0
  const results: Array<RaceResultRow> = Array.from({ length: options.drivers }, (_, driver) => {
    const laps = Array.from({ length: options.laps }, (_, index) => ({
      lap: index + 1,
      position: (driver + index) % options.drivers + 1,
      timeMs: 30_000 + driver * 101 + index * 7 + variant
    }))
    const total = laps.reduce((sum, lap) => sum + lap.timeMs, 0)
    return {
      position: driver + 1,
      driverName: `DRIVER ${raceId}-${driver}`,
      sourceDriverId: `${9_000_000 + driver}` as LiveRcId,
      carNumber: `${driver + 1}`,
      qualPosition: options.drivers - driver,
      lapsCompleted: options.laps,
      totalTimeMs: total,
      fastLapMs: Math.min(...laps.map((lap) => lap.timeMs)),
      fastLapNumber: 1,
      avgLapMs: Math.round(total / Math.max(1, options.laps)),
      consistencyPct: 90 + (driver % 10) + 0.25,
      laps
    }
  })
  return { raceId: raceId as LiveRcId, raceNumber: 1, className: "Synthetic Class", round: "Main Events", results }
}

export const syntheticListing = (raceId: string, raceNumber: number): EventRace => ({
  raceId: raceId as LiveRcId,
  raceNumber,
  className: "Synthetic Class",
  label: `Synthetic Class A${raceNumber}-Main`,
  round: "Main Events",
  completedAt: "2025-11-16T10:00:00"
})

export const syntheticEventPage = (eventId: string, races: ReadonlyArray<EventRace>): EventPage => ({
  eventId: eventId as LiveRcId,
  name: `Synthetic event ${eventId}`,
  date: "2025-11-16",
  dateEnd: null,
  entries: 10,
  drivers: 10,
  totalRaceLaps: null,
  entryListId: null,
  races,
  multiMains: [],
  points: [],
  roundRankings: [],
  overallRankingId: null
})

/** A synthetic event of `races` races with full results. */
export const syntheticSnapshot = (
  eventId: string,
  options: { readonly races: number; readonly drivers: number; readonly laps: number; readonly variant?: number },
  depth: EventSnapshot["depth"] = "laps_full"
): EventSnapshot => {
  const listings = Array.from({ length: options.races }, (_, index) => syntheticListing(`${eventId}${index + 10}`, index + 1))
  return {
    trackSlug: slug,
    eventId: eventId as LiveRcId,
    depth,
    event: syntheticEventPage(eventId, listings),
    races: listings.map((listing) => ({ raceId: listing.raceId, listing, result: syntheticResult(listing.raceId, options) })),
    validators: []
  }
}
