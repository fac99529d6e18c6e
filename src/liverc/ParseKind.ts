import { Schema } from "effect"
import type { PageKind } from "./LiveRcUrls.ts"
import type { EntryList } from "./models/EntryList.ts"
import type { EventList } from "./models/EventList.ts"
import type { EventPage } from "./models/EventPage.ts"
import type { MultiMainResult } from "./models/MultiMainResult.ts"
import type { OverallRanking } from "./models/OverallRanking.ts"
import type { PracticeDayView, PracticeMonthView, PracticeSessionDetail } from "./models/Practice.ts"
import type { QualPoints } from "./models/QualPoints.ts"
import type { RaceResult } from "./models/RaceResult.ts"
import type { RoundRanking } from "./models/RoundRanking.ts"
import type { TrackCatalogue } from "./models/TrackCatalogue.ts"
import type { TrackDashboard } from "./models/TrackDashboard.ts"

/**
 * The page kinds, apart from the parsers (ParsePage.ts): what the main thread needs to hand a page
 * to a parse thread (ParsePool.ts) without loading cheerio and every parser itself.
 */

/** Every page a parser reads, by the name `liverc-ingest parse <kind>` takes. */
export const ParseKind = Schema.Literals([
  "track-catalogue",
  "track-dashboard",
  "events",
  "event",
  "entry-list",
  "race-result",
  "multi-main-result",
  "round-ranking",
  "qual-points",
  "overall-ranking",
  "practice-month",
  "practice-day",
  "practice-session"
])
export type ParseKind = typeof ParseKind.Type

/** The model each kind parses to. */
export interface ParsedPages {
  readonly "track-catalogue": TrackCatalogue
  readonly "track-dashboard": TrackDashboard
  readonly events: EventList
  readonly event: EventPage
  readonly "entry-list": EntryList
  readonly "race-result": RaceResult
  readonly "multi-main-result": MultiMainResult
  readonly "round-ranking": RoundRanking
  readonly "qual-points": QualPoints
  readonly "overall-ranking": OverallRanking
  readonly "practice-month": PracticeMonthView
  readonly "practice-day": PracticeDayView
  readonly "practice-session": PracticeSessionDetail
}

/**
 * The page kind each parser's LiveRcParseError names: LiveRcUrls' names, the ones the client and
 * metrics use. The CLI says `multi-main-result` and `qual-points` where a bare name would be vague.
 */
const pageKinds: { readonly [K in ParseKind]: PageKind } = {
  "track-catalogue": "track-catalogue",
  "track-dashboard": "track-dashboard",
  events: "events",
  event: "event",
  "entry-list": "entry-list",
  "race-result": "race-result",
  "multi-main-result": "multi-main",
  "round-ranking": "round-ranking",
  "qual-points": "points",
  "overall-ranking": "overall-ranking",
  "practice-month": "practice-month",
  "practice-day": "practice-day",
  "practice-session": "practice-session"
}

export const pageKindOf = (kind: ParseKind): PageKind => pageKinds[kind]
