import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import type { StoredRefreshState } from "../../src/db/EventReader.ts"
import { parseEventPage } from "../../src/liverc/EventPageParser.ts"
import type { LiveRcId } from "../../src/liverc/LiveRcIds.ts"
import type { EventPage, EventRace } from "../../src/liverc/models/EventPage.ts"
import { eventPageHash, linksOfPage, planRefresh, sidePageKey, sidePagesOf } from "../../src/pipeline/RefreshPlan.ts"
import { capturedPage, trackUrl } from "../support/LiveRcPages.ts"

/** Event 486677's real page: 32 races, 3 multi-mains, 3 round rankings, 1 points table, the final ranking. */
const page: EventPage = Effect.runSync(
  parseEventPage(capturedPage("event-486677/event.html"), trackUrl("/results/?p=view_event&id=486677"))
)

/** The event as a complete ingest at `depth` leaves it stored. */
const storedFrom = (event: EventPage, depth: "summary" | "laps_full" = "laps_full"): StoredRefreshState => ({
  pageHash: eventPageHash(event),
  ingestDepth: depth,
  standingsRetry: false,
  entries: event.entries,
  drivers: event.drivers,
  entryListId: event.entryListId,
  links: linksOfPage(event),
  races: event.races.map((race) => ({ ...race, ingestDepth: depth, hasResult: true })),
  storedPages: new Set(sidePagesOf(linksOfPage(event)).map(sidePageKey))
})

const plan = (inputs: Partial<Parameters<typeof planRefresh>[0]>) =>
  planRefresh({ force: false, depth: "laps_full", stored: storedFrom(page), changed: null, entryListStored: true, ...inputs })

/** What a plan fetches, as page kind and id. */
const fetched = (result: ReturnType<typeof planRefresh>) => ({
  entryList: result.entryList,
  races: result.races.map((race) => race.raceId),
  sidePages: result.sidePages.map(sidePageKey)
})

const withRaces = (races: ReadonlyArray<EventRace>): EventPage => ({ ...page, races })

const listed = (label: string) => page.races.find((race) => race.label === label)!

describe("planRefresh on event 486677", () => {
  it("fetches nothing more for an unchanged event page when every race is stored at the depth", () => {
    const result = plan({})
    expect(result).toMatchObject({ upToDate: true, entryList: false, races: [], sidePages: [] })
    // The entry list, 32 race pages and 8 standings pages a full ingest would fetch after the event page.
    expect(result.skipped).toBe(41)
  })

  it("fetches everything on a first ingest, and on any ingest with force", () => {
    const everything = {
      entryList: true,
      races: page.races.map((race) => race.raceId),
      sidePages: [
        "multi-main:939156",
        "multi-main:939133",
        "multi-main:939123",
        "round-ranking:1470838",
        "round-ranking:1470839",
        "round-ranking:1471194",
        "points:7070446",
        "overall-ranking:486677"
      ]
    }
    const first = plan({ stored: undefined, changed: page, entryListStored: false })
    expect(fetched(first)).toEqual(everything)
    expect(first).toMatchObject({ upToDate: false, skipped: 0 })
    const forced = plan({ force: true })
    expect(fetched(forced)).toEqual(everything)
    expect(forced).toMatchObject({ upToDate: false, skipped: 0 })
  })

  it("for a new qualifier heat: that race, the points, that round's ranking and the final ranking", () => {
    const heat: EventRace = { ...listed("1/8 Nitro Buggy (Heat 3/3)"), raceId: "6399999" as LiveRcId, raceNumber: 7 }
    const changed = withRaces([heat, ...page.races])
    const result = plan({ changed })
    expect(fetched(result)).toEqual({
      entryList: false,
      races: ["6399999"],
      sidePages: ["round-ranking:1471194", "points:7070446", "overall-ranking:486677"]
    })
    expect(result.skipped).toBe(1 + 32 + 5)
  })

  it("for a main whose listing changed: that race, its class's multi-main of its letter and the final ranking", () => {
    const a2 = listed("1/8 Electric Buggy A2-Main")
    const changed = withRaces(page.races.map((race) => (race === a2 ? { ...race, completedAt: "2025-11-16T15:16:00" } : race)))
    expect(fetched(plan({ changed }))).toEqual({
      entryList: false,
      races: [a2.raceId],
      sidePages: ["multi-main:939156", "overall-ranking:486677"]
    })
  })

  it("moves no multi-main for a new main that is not one of a series (the Nitro A-Main)", () => {
    const nitro = listed("1/8 Nitro Buggy A-Main")
    const before = storedFrom(withRaces(page.races.filter((race) => race !== nitro)))
    expect(fetched(plan({ changed: page, stored: before }))).toEqual({
      entryList: false,
      races: [nitro.raceId],
      sidePages: ["overall-ranking:486677"]
    })
  })

  it("fetches again a race stored without its result, and every race stored at summary when laps are wanted, without standings", () => {
    const stored = storedFrom(page)
    const missing = { ...stored, races: stored.races.map((race, i) => (i === 3 ? { ...race, hasResult: false } : race)) }
    expect(fetched(plan({ stored: missing })).races).toEqual([page.races[3]!.raceId])
    const deeper = plan({ stored: storedFrom(page, "summary") })
    expect(fetched(deeper)).toEqual({ entryList: false, races: page.races.map((race) => race.raceId), sidePages: [] })
    expect(deeper.upToDate).toBe(false)
    expect(plan({ stored: storedFrom(page, "summary"), depth: "summary" }).upToDate).toBe(true)
  })

  it("fetches a relabelled or newly linked standings page, and the entry list when the entry counts change", () => {
    const relabelled: EventPage = {
      ...page,
      entries: (page.entries ?? 0) + 1,
      points: page.points.map((link) => ({ ...link, label: "Results (2 of 3)", roundsCompleted: 2 })),
      multiMains: [...page.multiMains, { id: "939999" as LiveRcId, label: "1/8 Nitro Buggy Triple A-Main Results" }]
    }
    expect(fetched(plan({ changed: relabelled }))).toEqual({
      entryList: true,
      races: [],
      sidePages: ["multi-main:939999", "points:7070446"]
    })
  })

  it("tries again only the standings pages a transient failure left unstored", () => {
    const stored = storedFrom(page)
    const pending = {
      ...stored,
      standingsRetry: true,
      storedPages: new Set([...stored.storedPages].filter((key) => key !== "overall-ranking:486677"))
    }
    const result = plan({ stored: pending })
    expect(fetched(result)).toEqual({ entryList: false, races: [], sidePages: ["overall-ranking:486677"] })
    expect(result.upToDate).toBe(false)
    // A page missing for good (404) is not tried again while nothing changes.
    expect(plan({ stored: { ...pending, standingsRetry: false } }).upToDate).toBe(true)
  })

  it("fetches every linked standings page of an event stored before content hashes were, but no complete race", () => {
    const legacy = { ...storedFrom(page), pageHash: null, storedPages: new Set<string>() }
    expect(fetched(plan({ stored: legacy, changed: page }))).toEqual({
      entryList: false,
      races: [],
      sidePages: sidePagesOf(linksOfPage(page)).map(sidePageKey)
    })
  })

  it("hashes the event page by what it says", () => {
    expect(eventPageHash(page)).toBe(eventPageHash(structuredClone(page)))
    expect(eventPageHash(page)).not.toBe(eventPageHash({ ...page, entries: (page.entries ?? 0) + 1 }))
  })
})
