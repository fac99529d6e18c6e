import { Schema } from "effect"
import { PageKind } from "../liverc/LiveRcUrls.ts"
import { parseRoute, type Route } from "./SimRoutes.ts"
import { practiceTrackPart } from "./SyntheticPractice.ts"

/**
 * Pages changing upstream on demand. A mutation bumps the revision of one page; the page's data
 * then changes where the simulator knows a plausible change (a corrected lap time in a race, a race
 * added to an event, an event added to a track's list, a session added to a practice day, track
 * stats grown), otherwise only its bytes do. Either way its ETag and Last-Modified move forward.
 */

/** The page identity revisions hang on: ids are global on LiveRC, so id pages ignore the slug. */
export const pageKey = (route: Route): string => {
  switch (route.kind) {
    case "track-catalogue":
      return "track-catalogue"
    case "robots":
      return `robots:${route.slug ?? ""}`
    case "track-dashboard":
      return `track-dashboard:${route.slug}`
    case "events":
    case "results":
      return `events:${route.slug}`
    case "practice-month":
      return `practice-month:${practiceTrackPart(route.slug)}:${route.month}`
    case "practice-day":
      return `practice-day:${practiceTrackPart(route.slug)}:${route.date}`
    default:
      return `${route.kind}:${route.id}`
  }
}

export const MutationRequest = Schema.Struct({
  kind: PageKind,
  /** Race, event, session or side-page id. */
  id: Schema.optionalKey(Schema.String),
  /** Track slug, for track pages and practice days. */
  track: Schema.optionalKey(Schema.String),
  /** `YYYY-MM-DD` for a practice day. */
  date: Schema.optionalKey(Schema.String),
  /** `YYYY-MM` for a practice month. */
  month: Schema.optionalKey(Schema.String)
})
export type MutationRequest = typeof MutationRequest.Type

export class InvalidMutation extends Schema.TaggedError<InvalidMutation>()("InvalidMutation", {
  reason: Schema.String
}) {
  override get message() {
    return `invalid mutation: ${this.reason}`
  }
}

const decodeRequest = Schema.decodeUnknownResult(MutationRequest)

/** The page a mutation request names, validated by the same router that serves it. */
export const mutationRoute = (input: unknown): Route | InvalidMutation => {
  const decoded = decodeRequest(input)
  if (decoded._tag === "Failure") return new InvalidMutation({ reason: decoded.failure.message })
  const value = (text: string | undefined, fallback = "") => encodeURIComponent(text ?? fallback)
  const { kind } = decoded.success
  const id = value(decoded.success.id)
  const date = value(decoded.success.date)
  const month = value(decoded.success.month)
  const site = `/t/${value(decoded.success.track, "sim")}`
  const targets: Record<PageKind, string> = {
    "track-catalogue": "/",
    "track-dashboard": `${site}/`,
    events: `${site}/events`,
    results: `${site}/results/`,
    event: `${site}/results/?p=view_event&id=${id}`,
    "entry-list": `${site}/results/?p=view_entry_list&id=${id}`,
    "race-result": `${site}/results/?p=view_race_result&id=${id}`,
    "multi-main": `${site}/results/?p=view_multi_main_result&id=${id}`,
    points: `${site}/results/?p=view_points&id=${id}`,
    "round-ranking": `${site}/results/?p=view_round_ranking&id=${id}`,
    "overall-ranking": `${site}/results/?p=event_overall_ranking&id=${id}`,
    "practice-month": `${site}/practice/?p=calendar&d=${month}`,
    "practice-day": `${site}/practice/?p=session_list&d=${date}`,
    "practice-session": `${site}/practice/?p=view_session&id=${id}`,
    robots: `${site}/robots.txt`
  }
  const route = parseRoute(targets[kind])
  return route ?? new InvalidMutation({ reason: `no ${kind} page for ${JSON.stringify(decoded.success)}` })
}

export interface Revision {
  readonly revision: number
  /** Epoch ms, whole seconds (Last-Modified has second resolution). */
  readonly modifiedAt: number
}

export class RevisionRegistry {
  private readonly entries = new Map<string, Revision>()
  /** Bumped on every mutation, for pages that summarise many others (the practice calendar). */
  private count = 0

  get generation(): number {
    return this.count
  }

  revision(key: string): number {
    return this.entries.get(key)?.revision ?? 0
  }

  modifiedAt(key: string): number | undefined {
    return this.entries.get(key)?.modifiedAt
  }

  /** Next revision; its Last-Modified is now, and always at least a second after `previousMs`. */
  bump(key: string, nowMs: number, previousMs: number): Revision {
    const next: Revision = {
      revision: this.revision(key) + 1,
      modifiedAt: Math.max(Math.ceil(nowMs / 1000) * 1000, previousMs + 1000)
    }
    this.entries.set(key, next)
    this.count++
    return next
  }
}
