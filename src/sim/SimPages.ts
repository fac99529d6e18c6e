import { createHash } from "node:crypto"
import type { CapturedPages } from "./CapturedPages.ts"
import { correctCapturedRace } from "./CapturedCorrections.ts"
import { Lru } from "./Lru.ts"
import { pageKey, RevisionRegistry } from "./Mutations.ts"
import { seedOf } from "./Prng.ts"
import { renderEntryList } from "./render/EntryListHtml.ts"
import { renderEventList } from "./render/EventListHtml.ts"
import { renderEventPage } from "./render/EventPageHtml.ts"
import { renderPracticeDay } from "./render/PracticeDayHtml.ts"
import { renderPracticeMonth } from "./render/PracticeMonthHtml.ts"
import { renderPracticeSession } from "./render/PracticeSessionHtml.ts"
import { renderRaceResult } from "./render/RaceResultHtml.ts"
import { renderMultiMain, renderOverallRanking, renderPoints, renderRoundRanking, type StandingsContext } from "./render/StandingsHtml.ts"
import { renderTrackCatalogue } from "./render/TrackCatalogueHtml.ts"
import { renderTrackDashboard } from "./render/TrackDashboardHtml.ts"
import { contentChanged, type SimConfig } from "./SimConfig.ts"
import type { Route } from "./SimRoutes.ts"
import { SyntheticData } from "./SyntheticData.ts"

/**
 * Route -> page bytes with validators. Real captured pages win for their ids; every other page is
 * rendered from the synthetic world and kept in a size-bounded LRU. Mutations are applied here.
 */

export interface Page {
  readonly body: Buffer
  readonly etag: string
  /** Epoch ms, whole seconds. */
  readonly lastModified: number
  readonly contentType: string
}

const html = "text/html; charset=UTF-8"

/** Pages whose revisions change their data (SyntheticData reads the registry); others get a marker. */
const dataRevisions = new Set<Route["kind"]>(["race-result", "event", "events", "results", "track-dashboard", "practice-day"])

const etagOf = (body: Buffer) => `"${createHash("sha1").update(body).digest("base64url").slice(0, 22)}"`

/** A stable Last-Modified for a page never mutated: some second in the half year before 2025-11-20. */
const baseLastModified = (key: string) => Date.UTC(2025, 10, 20) - (seedOf("last-modified", key) % (180 * 86_400)) * 1000

const withMarker = (text: string, revision: number) => (revision === 0 ? text : `${text}<!-- revision ${revision} -->\n`)

export class SimPages {
  private readonly captured: CapturedPages
  private readonly registry: RevisionRegistry
  private readonly cache: Lru<Page>
  private config: SimConfig
  private world: SyntheticData

  constructor(config: SimConfig, captured: CapturedPages, registry: RevisionRegistry) {
    this.config = config
    this.captured = captured
    this.registry = registry
    this.cache = new Lru<Page>(config.cacheMaxBytes)
    this.world = new SyntheticData(config, captured, (key) => registry.revision(key))
  }

  /** The synthetic world behind the current content knobs (the models pages are rendered from). */
  get data(): SyntheticData {
    return this.world
  }

  configure(config: SimConfig): void {
    if (contentChanged(this.config, config)) {
      this.world = new SyntheticData(config, this.captured, (key) => this.registry.revision(key))
      this.cache.clear()
    }
    this.cache.resize(config.cacheMaxBytes)
    this.config = config
  }

  cacheStats(): { readonly entries: number; readonly bytes: number } {
    return { entries: this.cache.size, bytes: this.cache.totalBytes }
  }

  lastModifiedOf(route: Route): number {
    const key = pageKey(route)
    return this.registry.modifiedAt(key) ?? baseLastModified(key)
  }

  page(route: Route): Page {
    if (route.kind === "robots") return this.robots()
    const key = pageKey(route)
    const cacheKey = `${JSON.stringify(route)}|${this.registry.generation}`
    const cached = this.cache.get(cacheKey)
    if (cached !== undefined) return cached
    const revision = this.registry.revision(key)
    const real = this.realPage(route)
    const body = real !== undefined
      ? route.kind === "race-result" && revision > 0
        ? Buffer.from(correctCapturedRace(real.toString("utf8"), revision))
        : revision > 0
        ? Buffer.from(withMarker(real.toString("utf8"), revision))
        : real
      : Buffer.from(dataRevisions.has(route.kind) ? this.render(route) : withMarker(this.render(route), revision))
    const page: Page = { body, etag: etagOf(body), lastModified: this.lastModifiedOf(route), contentType: html }
    this.cache.set(cacheKey, page, body.byteLength + cacheKey.length + 200)
    return page
  }

  private robots(): Page {
    const delay = this.config.crawlDelay === null ? "" : `Crawl-delay: ${this.config.crawlDelay}\n`
    const body = Buffer.from(`User-agent: *\nDisallow: /live/\n${delay}`)
    return { body, etag: etagOf(body), lastModified: baseLastModified("robots"), contentType: "text/plain; charset=UTF-8" }
  }

  private realPage(route: Route): Buffer | undefined {
    const c = this.captured
    switch (route.kind) {
      case "track-catalogue":
        return this.config.tracks === null ? c.catalogue : undefined
      case "track-dashboard":
        return c.dashboards.get(route.slug)
      case "events":
      case "results":
        return c.eventLists.get(route.slug)
      case "event":
        return c.events.get(route.id)
      case "race-result":
        return c.races.get(route.id)
      default:
        return undefined
    }
  }

  private standingsContext(slug: string, eventId: string): StandingsContext {
    const skeleton = this.world.eventSkeleton(eventId)
    return { trackName: this.world.trackName(slug), eventName: skeleton.name, eventDate: skeleton.date }
  }

  private render(route: Exclude<Route, { kind: "robots" }>): string {
    const world = this.world
    switch (route.kind) {
      case "track-catalogue":
        return renderTrackCatalogue(world.catalogue())
      case "track-dashboard":
        return renderTrackDashboard(world.dashboard(route.slug))
      case "events":
      case "results":
        return renderEventList({ trackName: world.trackName(route.slug), model: world.eventList(route.slug) })
      case "event":
        return renderEventPage({ trackName: world.trackName(route.slug), model: world.eventPage(route.id) })
      case "entry-list": {
        const skeleton = world.eventSkeleton(route.id)
        return renderEntryList({
          trackName: world.trackName(route.slug),
          eventId: route.id,
          eventName: skeleton.name,
          eventDate: skeleton.date,
          model: world.entryList(route.id)
        })
      }
      case "race-result":
        return renderRaceResult({ trackName: world.trackName(route.slug), ...world.raceResult(route.id) })
      case "multi-main":
        return renderMultiMain(this.standingsContext(route.slug, world.sideOwner(route.id)), world.multiMain(route.id))
      case "points":
        return renderPoints(this.standingsContext(route.slug, world.sideOwner(route.id)), world.points(route.id))
      case "round-ranking": {
        const { round, tables } = world.roundRanking(route.id)
        return renderRoundRanking(this.standingsContext(route.slug, world.sideOwner(route.id)), round, tables)
      }
      case "overall-ranking":
        return renderOverallRanking(this.standingsContext(route.slug, route.id), world.overallRanking(route.id))
      case "practice-month":
        return renderPracticeMonth({ trackName: world.trackName(route.slug), model: world.practiceMonth(route.slug, route.month) })
      case "practice-day":
        return renderPracticeDay({ trackName: world.trackName(route.slug), model: world.practiceDay(route.slug, route.date) })
      case "practice-session":
        return renderPracticeSession({ trackName: world.trackName(route.slug), model: world.practiceSession(route.id) })
    }
  }
}
