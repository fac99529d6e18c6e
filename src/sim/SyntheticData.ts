import type { LiveRcId } from "../liverc/LiveRcIds.ts"
import type { EntryList } from "../liverc/models/EntryList.ts"
import type { EventList } from "../liverc/models/EventList.ts"
import type { EventPage } from "../liverc/models/EventPage.ts"
import type { PracticeDayView, PracticeMonthView, PracticeSessionDetail } from "../liverc/models/Practice.ts"
import type { RaceResult } from "../liverc/models/RaceResult.ts"
import type { TrackCatalogue } from "../liverc/models/TrackCatalogue.ts"
import type { TrackDashboard } from "../liverc/models/TrackDashboard.ts"
import type { CapturedPages, CapturedRaceRow } from "./CapturedPages.ts"
import { capturedMultiMain, capturedOverall, capturedPoints, capturedRoundRanking, type StandingRow } from "./CapturedStandings.ts"
import { dayNumber } from "./LiveRcFormat.ts"
import { classBaseLapMs, classNames, driverAt, driverCount } from "./Names.ts"
import { prngOf } from "./Prng.ts"
import type { SimConfig } from "./SimConfig.ts"
import {
  capturedEventSkeleton,
  decodeRaceId,
  decodeSideId,
  type EventSizes,
  type EventSkeleton,
  mainEvents,
  qualifierRound,
  raceEntrants,
  raceLengthSeconds,
  type SkeletonRace,
  syntheticEvent
} from "./SyntheticEvents.ts"
import {
  decodeSessionId,
  practiceDay,
  practiceDayView,
  practiceMonth,
  type PracticeSettings,
  practiceTrackPart
} from "./SyntheticPractice.ts"
import { generateRace } from "./SyntheticRaces.ts"
import {
  multiMainTable,
  type MultiMainTable,
  overallTables,
  type OverallTable,
  pointsTables,
  type PointsTable,
  roundRankingTables,
  type RankingTable
} from "./SyntheticStandings.ts"
import {
  catalogueTrackName,
  type DashboardExtras,
  derivedTrackName,
  syntheticCatalogue,
  syntheticDashboard,
  trackEventIds
} from "./SyntheticTracks.ts"

/**
 * The synthetic LiveRC world for one configuration: every page model the simulator can serve,
 * as pure functions of (config, ids, mutation revisions). Renderers turn these models into HTML;
 * the round-trip test parses the HTML back and expects these very models.
 */

/** Mutation counts by page key (see `revisionKey`); 0 for a page never mutated. */
export type RevisionLookup = (key: string) => number

const revisionKey = {
  raceResult: (raceId: string) => `race-result:${raceId}`,
  event: (eventId: string) => `event:${eventId}`,
  events: (slug: string) => `events:${slug}`,
  dashboard: (slug: string) => `track-dashboard:${slug}`,
  practiceDay: (trackPart: number, date: string) => `practice-day:${trackPart}:${date}`
}

/** What a race page shows besides its model. */
export interface RacePageContext {
  readonly eventName: string
  readonly eventDate: string
  readonly lengthSeconds: number
}

export interface SyntheticRacePage {
  readonly model: RaceResult
  readonly context: RacePageContext
}

/** Small memo for skeletons and races: pages of one event ask for the same skeleton many times. */
class Memo<V> {
  private readonly entries = new Map<string, V>()
  private readonly limit: number

  constructor(limit: number) {
    this.limit = limit
  }

  get(key: string, make: () => V): V {
    const hit = this.entries.get(key)
    if (hit !== undefined) {
      this.entries.delete(key)
      this.entries.set(key, hit)
      return hit
    }
    const value = make()
    this.entries.set(key, value)
    if (this.entries.size > this.limit) {
      const oldest = this.entries.keys().next().value
      if (oldest !== undefined) this.entries.delete(oldest)
    }
    return value
  }
}

export class SyntheticData {
  readonly config: SimConfig
  private readonly captured: CapturedPages
  private readonly revisionOf: RevisionLookup
  private readonly skeletons = new Memo<EventSkeleton>(512)
  private readonly races = new Memo<SyntheticRacePage>(1_024)
  private readonly capturedRaces: ReadonlyMap<string, CapturedRaceRow>
  private catalogueCache: TrackCatalogue | undefined

  constructor(config: SimConfig, captured: CapturedPages, revisionOf: RevisionLookup = () => 0) {
    this.config = config
    this.captured = captured
    this.revisionOf = revisionOf
    this.capturedRaces = new Map(captured.event.races.map((race) => [race.raceId, race]))
  }

  private get sizes(): EventSizes {
    return {
      worldSeed: this.config.seed,
      racesPerEvent: this.config.racesPerEvent,
      driversPerRace: this.config.driversPerRace,
      lapsPerDriver: this.config.lapsPerDriver
    }
  }

  private get practice(): PracticeSettings {
    return { worldSeed: this.config.seed, knobs: this.config.practice }
  }

  /** The synthetic catalogue (only meaningful with the `tracks` knob set). */
  catalogue(): TrackCatalogue {
    return (this.catalogueCache ??= syntheticCatalogue(this.config.seed, this.config.tracks ?? 0))
  }

  trackName(slug: string): string {
    const fromCatalogue = this.config.tracks === null
      ? this.captured.trackNames.get(slug)
      : catalogueTrackName(this.config.seed, this.config.tracks, slug)
    return fromCatalogue ?? this.captured.trackNames.get(slug) ?? derivedTrackName(this.config.seed, slug)
  }

  dashboard(slug: string): { readonly model: TrackDashboard; readonly extras: DashboardExtras } {
    return syntheticDashboard(this.config.seed, slug, this.trackName(slug), this.revisionOf(revisionKey.dashboard(slug)))
  }

  eventList(slug: string): EventList {
    const count = this.config.eventsPerTrack + Math.min(this.revisionOf(revisionKey.events(slug)), 99 - this.config.eventsPerTrack)
    const events = trackEventIds(slug, count).map((eventId) => {
      const skeleton = this.eventSkeleton(eventId)
      return {
        eventId: eventId as LiveRcId,
        name: skeleton.name,
        startsAt: skeleton.startsAt,
        entries: skeleton.entries,
        drivers: skeleton.drivers
      }
    })
    return { events: events.sort((a, b) => (a.startsAt < b.startsAt ? 1 : a.startsAt > b.startsAt ? -1 : 0)) }
  }

  eventSkeleton(eventId: string): EventSkeleton {
    const revision = this.revisionOf(revisionKey.event(eventId))
    return this.skeletons.get(`${eventId}:${revision}`, () =>
      eventId === this.captured.event.eventId
        ? capturedEventSkeleton(this.captured.event, this.captured.raceDrivers, this.sizes)
        : syntheticEvent(eventId, this.sizes, revision, this.captured.listedEvents.get(eventId)))
  }

  eventPage(eventId: string): EventPage {
    const skeleton = this.eventSkeleton(eventId)
    const totalRaceLaps = skeleton.races.reduce(
      (total, race) => total + this.raceResult(race.raceId).model.results.reduce((sum, row) => sum + row.lapsCompleted, 0),
      0
    )
    return {
      eventId: eventId as LiveRcId,
      name: skeleton.name,
      date: skeleton.date,
      dateEnd: skeleton.dateEnd,
      entries: skeleton.entries,
      drivers: skeleton.drivers,
      totalRaceLaps,
      entryListId: eventId as LiveRcId,
      races: skeleton.races.map((race) => ({
        raceId: race.raceId as LiveRcId,
        raceNumber: race.raceNumber,
        className: race.className,
        label: race.label,
        round: race.round,
        completedAt: race.completedAt
      })),
      multiMains: skeleton.multiMains.map(({ id, label }) => ({ id: id as LiveRcId, label })),
      points: skeleton.points.map(({ id, label, roundsCompleted, roundsTotal }) => ({
        id: id as LiveRcId,
        label,
        roundsCompleted,
        roundsTotal
      })),
      roundRankings: skeleton.roundRankings.map(({ id, label }) => ({ id: id as LiveRcId, label, order: "laps_time" as const })),
      overallRankingId: skeleton.overallRankingId as LiveRcId
    }
  }

  entryList(eventId: string): EntryList {
    return {
      classes: this.eventSkeleton(eventId).classes.map((cls) => ({
        className: cls.name,
        entries: cls.entries.map((entry) => ({
          carNumber: entry.carNumber,
          driverName: entry.driver.name,
          transponder: entry.transponder
        }))
      }))
    }
  }

  /** The event a race belongs to and its row there, when the id is one of an event's races. */
  private raceInEvent(raceId: string): { readonly skeleton: EventSkeleton; readonly race: SkeletonRace } | undefined {
    const owner = this.capturedRaces.has(raceId) ? this.captured.event.eventId : decodeRaceId(raceId)?.eventId
    if (owner === undefined) return undefined
    const skeleton = this.eventSkeleton(owner)
    const race = skeleton.races.find((r) => r.raceId === raceId)
    return race === undefined ? undefined : { skeleton, race }
  }

  raceResult(raceId: string): SyntheticRacePage {
    const revision = this.revisionOf(revisionKey.raceResult(raceId))
    const found = this.raceInEvent(raceId)
    const eventRevision = found === undefined ? 0 : this.revisionOf(revisionKey.event(found.skeleton.eventId))
    return this.races.get(`${raceId}:${revision}:${eventRevision}`, () => {
      const { skeleton, race } = found ?? this.standaloneRace(raceId)
      const drivers = raceEntrants(skeleton, race, this.sizes)
      const model = generateRace({
        worldSeed: this.config.seed,
        raceId,
        raceNumber: race.raceNumber,
        label: race.label,
        round: race.round,
        lengthSeconds: race.lengthSeconds,
        baseLapMs: classBaseLapMs(race.className),
        drivers,
        revision
      })
      return { model, context: { eventName: skeleton.name, eventDate: skeleton.date, lengthSeconds: race.lengthSeconds } }
    })
  }

  /** A race id no event lists: a one-race skeleton of its own, still seeded by the id. */
  private standaloneRace(raceId: string): { readonly skeleton: EventSkeleton; readonly race: SkeletonRace } {
    const rng = prngOf(this.config.seed, "standalone-race", raceId)
    const host = this.eventSkeleton(decodeRaceId(raceId)?.eventId ?? raceId)
    const className = rng.pick(classNames)
    const drivers = rng.sample(driverCount, Math.max(this.config.driversPerRace, 1)).map(driverAt)
    const race: SkeletonRace = {
      raceId,
      raceNumber: rng.int(1, 12),
      className,
      label: `${className} ${rng.pick(["A-Main", "B-Main", "(Heat 1/2)", "(Heat 2/2)"])}`,
      round: rng.chance(0.5) ? mainEvents : qualifierRound(rng.int(1, 3)),
      completedAt: null,
      lengthSeconds: raceLengthSeconds(className, this.config.lapsPerDriver),
      classIndex: 0
    }
    const skeleton: EventSkeleton = {
      ...host,
      classes: [{ name: className, entries: drivers.map((driver, i) => ({ driver, carNumber: String(i + 1), transponder: driver.transponder })) }],
      races: [race]
    }
    return { skeleton, race }
  }

  private sideSkeleton(id: string): { readonly skeleton: EventSkeleton; readonly slot: number } {
    const decoded = decodeSideId(id)
    return { skeleton: this.eventSkeleton(decoded?.eventId ?? id), slot: decoded?.slot ?? 1 }
  }

  /** The result rows of one of the captured event's races: its real page's, else the synthetic one's. */
  private readonly capturedRaceRows = (raceId: string): ReadonlyArray<StandingRow> =>
    this.captured.raceRows.get(raceId) ?? this.raceResult(raceId).model.results

  /** Where a side-page id sits among the captured event's links, when it is one of them. */
  private capturedLink(kind: "multiMains" | "points" | "roundRankings", id: string): number {
    return this.captured.event.sideLinks[kind].findIndex((link) => link.id === id)
  }

  multiMain(id: string): MultiMainTable {
    const captured = this.capturedLink("multiMains", id)
    if (captured >= 0) {
      const skeleton = this.eventSkeleton(this.captured.event.eventId)
      return capturedMultiMain(skeleton, this.captured.event.sideLinks, captured, this.capturedRaceRows)
    }
    const { skeleton, slot } = this.sideSkeleton(id)
    return multiMainTable(skeleton, Math.max(0, slot - 1), this.config.seed, this.config.lapsPerDriver)
  }

  points(id: string): ReadonlyArray<PointsTable> {
    const captured = this.capturedLink("points", id)
    if (captured >= 0) {
      const skeleton = this.eventSkeleton(this.captured.event.eventId)
      return capturedPoints(skeleton, this.captured.event.sideLinks, captured, this.capturedRaceRows)
    }
    const { skeleton } = this.sideSkeleton(id)
    const rounds = Math.max(1, skeleton.roundRankings.length)
    return pointsTables(skeleton, rounds, this.config.seed, this.config.lapsPerDriver)
  }

  roundRanking(id: string): { readonly round: number; readonly tables: ReadonlyArray<RankingTable> } {
    const captured = this.capturedLink("roundRankings", id)
    if (captured >= 0) {
      const skeleton = this.eventSkeleton(this.captured.event.eventId)
      return capturedRoundRanking(skeleton, this.captured.event.sideLinks, captured, this.capturedRaceRows)
    }
    const { skeleton, slot } = this.sideSkeleton(id)
    const round = slot >= 4 && slot <= 6 ? slot - 3 : 1
    return { round, tables: roundRankingTables(skeleton, round, this.config.seed, this.config.lapsPerDriver) }
  }

  overallRanking(id: string): ReadonlyArray<OverallTable> {
    if (id === this.captured.event.sideLinks.overallRankingId) {
      return capturedOverall(this.eventSkeleton(this.captured.event.eventId), this.capturedRaceRows)
    }
    return overallTables(this.eventSkeleton(id), this.config.seed, this.config.lapsPerDriver)
  }

  /** The event a side page belongs to: the captured event for the ids its page links. */
  sideOwner(id: string): string {
    const links = this.captured.event.sideLinks
    const captured = links.multiMains.some((link) => link.id === id) || links.points.some((link) => link.id === id) ||
      links.roundRankings.some((link) => link.id === id) || links.overallRankingId === id
    return captured ? this.captured.event.eventId : decodeSideId(id)?.eventId ?? id
  }

  practiceMonth(slug: string, month: string): PracticeMonthView {
    const trackPart = practiceTrackPart(slug)
    return practiceMonth(this.practice, trackPart, month, (date) => this.revisionOf(revisionKey.practiceDay(trackPart, date)))
  }

  practiceDay(slug: string, date: string): PracticeDayView {
    return practiceDayView(this.practiceSessions(practiceTrackPart(slug), date), date)
  }

  private practiceSessions(trackPart: number, date: string): Array<PracticeSessionDetail> {
    return practiceDay(this.practice, trackPart, date, this.revisionOf(revisionKey.practiceDay(trackPart, date)))
  }

  practiceSession(sessionId: string): PracticeSessionDetail {
    const decoded = decodeSessionId(sessionId)
    const listed = decoded === null ? undefined : this.practiceSessions(decoded.trackPart, decoded.date)[decoded.slot - 1]
    if (listed !== undefined) return listed
    // An id no day lists: a one-session day of its own, still seeded by the id.
    const n = Number(sessionId)
    const date = new Date((dayNumber("2020-01-04") + (n % 1_500)) * 86_400_000).toISOString().slice(0, 10)
    const own = practiceDay({ ...this.practice, knobs: { ...this.config.practice, sessionsPerDay: { min: 1, max: 1 } } }, 1_000 + (n % 9_000), date, 1)
    const session = own[0] as PracticeSessionDetail
    return { ...session, sessionId: sessionId as LiveRcId }
  }
}
