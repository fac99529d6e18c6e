import { Schema } from "effect"
import type { LiveRcId, PracticeDate, PracticeMonth, TrackSlug } from "./LiveRcIds.ts"

/**
 * Every LiveRC page the service reads, and the only way to get a URL for one. The URL templates
 * come from operator config; every other part comes from a validated id, slug, date or a closed
 * set, so nothing a user sends can choose the host, the path or the query.
 */

export const PageKind = Schema.Literals([
  "track-catalogue",
  "track-dashboard",
  "events",
  "results",
  "event",
  "entry-list",
  "race-result",
  "multi-main",
  "points",
  "round-ranking",
  "overall-ranking",
  "practice-month",
  "practice-day",
  "practice-session",
  "robots"
])
export type PageKind = typeof PageKind.Type

export const RoundRankingOrder = Schema.Literals(["laps_time", "top_3_consecutive"])
export type RoundRankingOrder = typeof RoundRankingOrder.Type

/** A request the HTTP client may make: a URL built here plus what it is, for metrics and parsing. */
export interface PageRequest {
  readonly kind: PageKind
  readonly url: string
  /** Host (with port) the request goes to; the throttle and the concurrency controller key on it. */
  readonly host: string
}

export interface UrlTemplates {
  /** Track site template with exactly one `{track}`, e.g. `https://{track}.liverc.com`. */
  readonly trackUrl: string
  /** Catalogue site, e.g. `https://live.liverc.com`. */
  readonly rootUrl: string
}

export const defaultUrlTemplates: UrlTemplates = {
  trackUrl: "https://{track}.liverc.com",
  rootUrl: "https://live.liverc.com"
}

export class InvalidUrlTemplate extends Schema.TaggedError<InvalidUrlTemplate>()("InvalidUrlTemplate", {
  name: Schema.String,
  reason: Schema.String
}) {
  override get message() {
    return `${this.name}: ${this.reason}`
  }
}

const stripTrailingSlash = (value: string) => {
  let end = value.length
  while (end > 0 && value.charCodeAt(end - 1) === 47 /* / */) end--
  return value.slice(0, end)
}

/** Checks a template once at start; a bad one is a config error, never a runtime surprise. */
/** Why a URL template cannot be used, or undefined when it can. */
export const templateProblem = (name: "LIVERC_TRACK_URL" | "LIVERC_ROOT_URL", template: string): string | undefined => {
  if (name === "LIVERC_TRACK_URL" && template.split("{track}").length - 1 !== 1) return "must contain {track} exactly once"
  let url: URL
  try {
    url = new URL(name === "LIVERC_TRACK_URL" ? template.replace("{track}", "probe") : template)
  } catch {
    return "is not an absolute URL"
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") return "must be http or https"
  if (url.search !== "" || url.hash !== "" || url.username !== "" || url.password !== "") {
    return "must not carry a query, fragment or credentials"
  }
  return undefined
}

export const checkTemplates = (templates: UrlTemplates): InvalidUrlTemplate | undefined => {
  for (const name of ["LIVERC_TRACK_URL", "LIVERC_ROOT_URL"] as const) {
    const reason = templateProblem(name, name === "LIVERC_TRACK_URL" ? templates.trackUrl : templates.rootUrl)
    if (reason !== undefined) return new InvalidUrlTemplate({ name, reason })
  }
  return undefined
}

export interface LiveRcUrls {
  readonly trackCatalogue: () => PageRequest
  readonly trackDashboard: (track: TrackSlug) => PageRequest
  readonly events: (track: TrackSlug) => PageRequest
  readonly results: (track: TrackSlug) => PageRequest
  readonly event: (track: TrackSlug, eventId: LiveRcId) => PageRequest
  readonly entryList: (track: TrackSlug, eventId: LiveRcId) => PageRequest
  readonly raceResult: (track: TrackSlug, raceId: LiveRcId) => PageRequest
  readonly multiMain: (track: TrackSlug, id: LiveRcId) => PageRequest
  readonly points: (track: TrackSlug, id: LiveRcId) => PageRequest
  readonly roundRanking: (track: TrackSlug, id: LiveRcId, order?: RoundRankingOrder) => PageRequest
  readonly overallRanking: (track: TrackSlug, id: LiveRcId) => PageRequest
  readonly practiceMonth: (track: TrackSlug, month: PracticeMonth) => PageRequest
  readonly practiceDay: (track: TrackSlug, date: PracticeDate) => PageRequest
  readonly practiceSession: (track: TrackSlug, sessionId: LiveRcId) => PageRequest
  readonly trackRobots: (track: TrackSlug) => PageRequest
  readonly rootRobots: () => PageRequest
}

/** Builds the URL set; call `checkTemplates` first (config loading does). */
export const makeLiveRcUrls = (templates: UrlTemplates): LiveRcUrls => {
  const root = stripTrailingSlash(templates.rootUrl)
  const trackBase = (track: TrackSlug) => stripTrailingSlash(templates.trackUrl.replace("{track}", track))
  const request = (kind: PageKind, url: string): PageRequest => ({ kind, url, host: new URL(url).host })
  const results = (track: TrackSlug, page: string, id: LiveRcId, extra = "") =>
    `${trackBase(track)}/results/?p=${page}&id=${id}${extra}`

  return {
    trackCatalogue: () => request("track-catalogue", `${root}/`),
    trackDashboard: (track) => request("track-dashboard", `${trackBase(track)}/`),
    events: (track) => request("events", `${trackBase(track)}/events`),
    results: (track) => request("results", `${trackBase(track)}/results/`),
    event: (track, id) => request("event", results(track, "view_event", id)),
    entryList: (track, id) => request("entry-list", results(track, "view_entry_list", id)),
    raceResult: (track, id) => request("race-result", results(track, "view_race_result", id)),
    multiMain: (track, id) => request("multi-main", results(track, "view_multi_main_result", id)),
    points: (track, id) => request("points", results(track, "view_points", id)),
    roundRanking: (track, id, order) =>
      request("round-ranking", results(track, "view_round_ranking", id, order === undefined ? "" : `&o=${order}`)),
    overallRanking: (track, id) => request("overall-ranking", results(track, "event_overall_ranking", id)),
    practiceMonth: (track, month) => request("practice-month", `${trackBase(track)}/practice/?p=calendar&d=${month}`),
    practiceDay: (track, date) => request("practice-day", `${trackBase(track)}/practice/?p=session_list&d=${date}`),
    practiceSession: (track, id) => request("practice-session", `${trackBase(track)}/practice/?p=view_session&id=${id}`),
    trackRobots: (track) => request("robots", `${trackBase(track)}/robots.txt`),
    rootRobots: () => request("robots", `${root}/robots.txt`)
  }
}
