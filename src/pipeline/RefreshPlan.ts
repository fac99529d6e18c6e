import { createHash } from "node:crypto"
import type { EventLinks, StoredRaceState, StoredRefreshState } from "../db/EventReader.ts"
import type { IngestDepth, LiveRcId } from "../liverc/LiveRcIds.ts"
import type { PageKind, RoundRankingOrder } from "../liverc/LiveRcUrls.ts"
import type { EventPage, EventRace } from "../liverc/models/EventPage.ts"

/**
 * Which pages an event job fetches after the event page (issue 17: LiveRC's request budget is the
 * system's real limit). Pure: from what is stored and what the event page says now.
 *
 * - Event page unchanged (304, or it parses to the stored content hash) and every race stored
 *   complete at the requested depth: nothing else is fetched.
 * - Otherwise the races that are new, not stored complete at the depth, or listed differently;
 *   the entry list when the event page changed and its entry counts or entry-list id did (or it
 *   was never stored); and the standings pages those races can move (a qualifier moves the
 *   points and its round's ranking, a main its class's multi-main of that letter, any race the
 *   overall ranking), plus pages newly linked or relabelled, plus pages a transient failure left
 *   unstored.
 * - `force`: everything.
 * What this misses until the event page changes or a forced run (the nightly one): a result
 * corrected upstream under an unchanged event page, an entry list edited without a count changing.
 */

/** SHA-256 of the event page as parsed: unchanged content under new markup or a new ETag still matches. */
export const eventPageHash = (page: EventPage): string => createHash("sha256").update(JSON.stringify(page)).digest("hex")

export type SidePage =
  | { readonly kind: "multi-main"; readonly id: LiveRcId }
  | { readonly kind: "round-ranking"; readonly id: LiveRcId; readonly order: RoundRankingOrder | null }
  | { readonly kind: "points"; readonly id: LiveRcId }
  | { readonly kind: "overall-ranking"; readonly id: LiveRcId }

/** `multi-main:939156`: how stored pages are named (EventReader's `storedPages`). */
export const sidePageKey = (page: { readonly kind: PageKind; readonly id: string }) => `${page.kind}:${page.id}`

export interface RaceToFetch {
  readonly raceId: LiveRcId
  /** Its row on the event page read now; null when the event page was unchanged. */
  readonly listing: EventRace | null
}

export interface RefreshPlan {
  /** Nothing to fetch and nothing to write: the event is stored, complete and unchanged. */
  readonly upToDate: boolean
  readonly entryList: boolean
  readonly races: ReadonlyArray<RaceToFetch>
  readonly sidePages: ReadonlyArray<SidePage>
  /** Pages a full ingest would fetch after the event page that this plan does not. */
  readonly skipped: number
}

export interface RefreshInputs {
  readonly force: boolean
  readonly depth: IngestDepth
  readonly stored: StoredRefreshState | undefined
  /** The event page when it changed (or was never stored); null when unchanged. */
  readonly changed: EventPage | null
  /** Whether validators of the event's entry list are stored (it was stored at least once). */
  readonly entryListStored: boolean
}

const depthCovers = (stored: IngestDepth | "none", wanted: IngestDepth) =>
  stored === "laps_full" || (stored === "summary" && wanted === "summary")

const noLinks: EventLinks = { multiMains: [], points: [], roundRankings: [], overallRankingId: null }

export const linksOfPage = (page: EventPage): EventLinks => ({
  multiMains: page.multiMains,
  points: page.points,
  roundRankings: page.roundRankings,
  overallRankingId: page.overallRankingId
})

/** Every standings page the links name, in link order. */
export const sidePagesOf = (links: EventLinks): Array<SidePage> => [
  ...links.multiMains.map(({ id }) => ({ kind: "multi-main" as const, id })),
  ...links.roundRankings.map(({ id, order }) => ({ kind: "round-ranking" as const, id, order })),
  ...links.points.map(({ id }) => ({ kind: "points" as const, id })),
  ...(links.overallRankingId === null ? [] : [{ kind: "overall-ranking" as const, id: links.overallRankingId }])
]

/** A link's label and details as stored, to tell a relabelled link (`Results (2 of 3)`). */
const linkSignatures = (links: EventLinks): Map<string, string> =>
  new Map([
    ...links.multiMains.map((link) => [sidePageKey({ kind: "multi-main", id: link.id }), JSON.stringify(link)] as const),
    ...links.roundRankings.map((link) => [sidePageKey({ kind: "round-ranking", id: link.id }), JSON.stringify(link)] as const),
    ...links.points.map((link) => [sidePageKey({ kind: "points", id: link.id }), JSON.stringify(link)] as const),
    ...(links.overallRankingId === null
      ? []
      : [[sidePageKey({ kind: "overall-ranking", id: links.overallRankingId }), links.overallRankingId] as const])
  ])

interface RaceShape {
  readonly className: string | null
  readonly label: string | null
  readonly round: string | null
}

const isMain = (race: RaceShape) => race.round !== null && /\bmain/i.test(race.round)

/** Whether a change to `race` can move what the standings page `page` (labelled `label`) shows. */
const moves = (page: SidePage, label: string, race: RaceShape, rankingLabels: ReadonlyArray<string>): boolean => {
  switch (page.kind) {
    case "overall-ranking":
      return true
    case "points":
      return !isMain(race)
    case "round-ranking": {
      if (isMain(race)) return false
      const round = race.round ?? ""
      // A ranking labelled for another round is not moved; labels naming no round we know are.
      return round === "" || !rankingLabels.some((other) => other.startsWith(round)) || label.startsWith(round)
    }
    case "multi-main": {
      if (!isMain(race) || race.className === null || !label.startsWith(race.className)) return false
      const letter = /\b([A-Z])-Main\b/.exec(label)?.[1]
      return letter === undefined || new RegExp(`\\b${letter}\\d*-Main\\b`).test(race.label ?? "")
    }
  }
}

const listingDiffers = (listing: EventRace, stored: StoredRaceState) =>
  listing.raceNumber !== stored.raceNumber || listing.className !== stored.className ||
  listing.label !== stored.label || listing.round !== stored.round || listing.completedAt !== stored.completedAt

export const planRefresh = (inputs: RefreshInputs): RefreshPlan => {
  const { changed, depth, force, stored } = inputs
  const links = changed !== null ? linksOfPage(changed) : stored?.links ?? noLinks
  const storedRaces = new Map((stored?.races ?? []).map((race) => [race.raceId, race]))
  const listed: ReadonlyArray<RaceToFetch> = changed !== null
    ? changed.races.map((listing) => ({ raceId: listing.raceId, listing }))
    : (stored?.races ?? []).map((race) => ({ raceId: race.raceId, listing: null }))
  const allSide = sidePagesOf(links)
  const total = 1 + listed.length + allSide.length

  if (force) return { upToDate: false, entryList: true, races: listed, sidePages: allSide, skipped: 0 }

  // Races whose content may have changed, and races only wanted deeper (laps for a summary).
  const changedRaces: Array<RaceShape> = []
  const races = listed.filter(({ listing, raceId }) => {
    const held = storedRaces.get(raceId)
    if (held === undefined) {
      if (listing !== null) changedRaces.push(listing)
      return true
    }
    const relisted = listing !== null && listingDiffers(listing, held)
    if (relisted || !held.hasResult) {
      changedRaces.push(held)
      if (listing !== null) changedRaces.push(listing)
      return true
    }
    return !depthCovers(held.ingestDepth, depth)
  })

  // An event page stored before content hashes were (with no standings then) has every link new.
  const storedSignatures = linkSignatures(stored === undefined || stored.pageHash === null ? noLinks : stored.links)
  const nowSignatures = linkSignatures(links)
  const labels = new Map([
    ...links.multiMains.map((link) => [sidePageKey({ kind: "multi-main", id: link.id }), link.label] as const),
    ...links.roundRankings.map((link) => [sidePageKey({ kind: "round-ranking", id: link.id }), link.label] as const),
    ...links.points.map((link) => [sidePageKey({ kind: "points", id: link.id }), link.label] as const)
  ])
  const rankingLabels = links.roundRankings.map((link) => link.label)
  const sidePages = allSide.filter((page) => {
    const key = sidePageKey(page)
    if (changed !== null && storedSignatures.get(key) !== nowSignatures.get(key)) return true
    if (stored?.standingsRetry === true && !stored.storedPages.has(key)) return true
    const label = labels.get(key) ?? ""
    return changedRaces.some((race) => moves(page, label, race, rankingLabels))
  })

  const entryList = changed !== null && (
    stored === undefined || !inputs.entryListStored || stored.entries !== changed.entries ||
    stored.drivers !== changed.drivers || stored.entryListId !== changed.entryListId
  )

  const upToDate = changed === null && races.length === 0 && sidePages.length === 0 && stored !== undefined &&
    depthCovers(stored.ingestDepth, depth)
  return {
    upToDate,
    entryList,
    races,
    sidePages,
    skipped: total - (entryList ? 1 : 0) - races.length - sidePages.length
  }
}
