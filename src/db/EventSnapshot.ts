import type { IngestDepth, LiveRcId, TrackSlug } from "../liverc/LiveRcIds.ts"
import type { EntryList } from "../liverc/models/EntryList.ts"
import type { EventPage, EventRace } from "../liverc/models/EventPage.ts"
import type { MultiMainResult } from "../liverc/models/MultiMainResult.ts"
import type { OverallRanking } from "../liverc/models/OverallRanking.ts"
import type { QualPoints } from "../liverc/models/QualPoints.ts"
import type { RaceResult, RaceResultRow } from "../liverc/models/RaceResult.ts"
import type { RoundRanking } from "../liverc/models/RoundRanking.ts"

/**
 * Everything one ingest of an event wants stored, assembled by the pipeline after all network I/O
 * is done, so the write needs nothing but a short transaction. `null` always means "that page was
 * unchanged (HTTP 304): keep what is stored".
 */

export interface SnapshotRace {
  readonly raceId: LiveRcId
  /** The race's row on the event page; null when the event page was unchanged. */
  readonly listing: EventRace | null
  /** The race page; null when it was unchanged, so the stored results (and laps) stay. */
  readonly result: RaceResult | null
}

export interface SnapshotValidator {
  readonly url: string
  readonly etag: string | null
  readonly lastModified: string | null
  /**
   * True when the page answered 304. Its stored data was not rewritten, so the depth that data was
   * written at is kept when it is higher than this snapshot's.
   */
  readonly notModified?: boolean | undefined
}

/** A standings page fetched and parsed in this ingest, under the id the event page links it by. */
export interface SnapshotPage<A> {
  readonly id: LiveRcId
  readonly page: A
}

/**
 * The event's standings pages read in this ingest. A linked page that is absent here (unchanged,
 * not fetched, or failed) keeps what is stored; a stored page the event page no longer links is
 * removed whenever the event page itself is written.
 */
export interface SnapshotStandings {
  readonly multiMains: ReadonlyArray<SnapshotPage<MultiMainResult>>
  readonly roundRankings: ReadonlyArray<SnapshotPage<RoundRanking>>
  readonly points: ReadonlyArray<SnapshotPage<QualPoints>>
  readonly overallRanking: SnapshotPage<OverallRanking> | null
  /** Whether a page failed in a way a later try may fix; absent: no page was tried, keep the flag. */
  readonly retry?: boolean | undefined
}

export interface EventSnapshot {
  readonly trackSlug: TrackSlug
  readonly eventId: LiveRcId
  /** `summary` writes event, races and results and leaves laps untouched; `laps_full` also replaces laps. */
  readonly depth: IngestDepth
  readonly event: EventPage | null
  /** The event's entry list; null or absent keeps the stored entries. */
  readonly entryList?: EntryList | null | undefined
  readonly races: ReadonlyArray<SnapshotRace>
  /** Absent keeps every stored standings page. */
  readonly standings?: SnapshotStandings | undefined
  /** What identifies `event`'s content (EventPageHash); stored with it. */
  readonly pageHash?: string | null | undefined
  /** ETag / Last-Modified of the pages this snapshot came from, stored in the same transaction. */
  readonly validators: ReadonlyArray<SnapshotValidator>
}

/** The event as stored after a write. */
export interface WriteCounts {
  readonly races: number
  readonly results: number
  /** Distinct drivers in the event's results: by LiveRC id, by name for rows without one. */
  readonly drivers: number
  readonly laps: number
}

/**
 * Identifies each result row within its race: the LiveRC driver id, else the name; a repeat gets
 * its occurrence number, so namesakes without ids (or a duplicated id) stay separate rows and a
 * re-ingest of the same page finds the same rows again.
 */
export const resultRowKeys = (rows: ReadonlyArray<Pick<RaceResultRow, "sourceDriverId" | "driverName">>) => {
  const seen = new Map<string, number>()
  return rows.map((row) => {
    const base = row.sourceDriverId === null ? `name:${row.driverName}` : `id:${row.sourceDriverId}`
    const occurrence = (seen.get(base) ?? 0) + 1
    seen.set(base, occurrence)
    return occurrence === 1 ? base : `${base}#${occurrence}`
  })
}

/** Same idea for the entry list: a driver listed twice in one class stays two entries. */
export const entryKeys = (entries: ReadonlyArray<{ readonly className: string; readonly driverName: string }>) => {
  const seen = new Map<string, number>()
  return entries.map(({ className, driverName }) => {
    const base = `${className}\u0000${driverName}`
    const occurrence = (seen.get(base) ?? 0) + 1
    seen.set(base, occurrence)
    return occurrence === 1 ? driverName : `${driverName}#${occurrence}`
  })
}

/** The first reason this snapshot cannot be stored as it is, if any. */
export const snapshotProblem = (snapshot: EventSnapshot): string | undefined => {
  const raceIds = new Set<string>()
  for (const race of snapshot.races) {
    if (raceIds.has(race.raceId)) return `race ${race.raceId} appears twice`
    raceIds.add(race.raceId)
    if (race.listing !== null && race.listing.raceId !== race.raceId) {
      return `race ${race.raceId} carries the listing of race ${race.listing.raceId}`
    }
    if (race.result?.raceId !== undefined && race.result.raceId !== race.raceId) {
      return `race ${race.raceId} carries the result of race ${race.result.raceId}`
    }
    for (const row of race.result?.results ?? []) {
      // Laps are stored under (result, lap number) and read back in lap order.
      for (let index = 1; index < row.laps.length; index++) {
        if (row.laps[index]!.lap <= row.laps[index - 1]!.lap) {
          return `race ${race.raceId}, ${row.driverName}: lap numbers are not strictly increasing at lap ${
            row.laps[index]!.lap
          }`
        }
      }
    }
  }
  const listed = new Set<string>()
  for (const race of snapshot.event?.races ?? []) {
    if (listed.has(race.raceId)) return `the event page lists race ${race.raceId} twice`
    listed.add(race.raceId)
  }
  const standings = snapshot.standings
  if (standings !== undefined) {
    for (const [kind, pages] of [
      ["multi-main", standings.multiMains],
      ["round ranking", standings.roundRankings],
      ["points", standings.points]
    ] as const) {
      const ids = new Set<string>()
      for (const { id } of pages) {
        if (ids.has(id)) return `${kind} page ${id} appears twice`
        ids.add(id)
      }
    }
  }
  return undefined
}
