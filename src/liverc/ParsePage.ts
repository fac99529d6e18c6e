import type { Effect } from "effect"
import { parseEntryList } from "./EntryListParser.ts"
import { parseEventList } from "./EventListParser.ts"
import { parseEventPage } from "./EventPageParser.ts"
import type { LiveRcParseError } from "./LiveRcParseError.ts"
import type { ParsedPages, ParseKind } from "./ParseKind.ts"
import { parseMultiMainResult } from "./MultiMainResultParser.ts"
import { parseOverallRanking } from "./OverallRankingParser.ts"
import { parsePracticeDay } from "./PracticeDayParser.ts"
import { parsePracticeMonth } from "./PracticeMonthParser.ts"
import { parsePracticeSession } from "./PracticeSessionParser.ts"
import { parseQualPoints } from "./QualPointsParser.ts"
import { parseRaceResult } from "./RaceResultParser.ts"
import { parseRoundRanking } from "./RoundRankingParser.ts"
import { parseTrackCatalogue } from "./TrackCatalogueParser.ts"
import { parseTrackDashboard } from "./TrackDashboardParser.ts"

export { pageKindOf, type ParsedPages, ParseKind } from "./ParseKind.ts"

const parsers: {
  readonly [K in ParseKind]: (html: string, url: string) => Effect.Effect<ParsedPages[K], LiveRcParseError>
} = {
  "track-catalogue": parseTrackCatalogue,
  "track-dashboard": parseTrackDashboard,
  events: parseEventList,
  event: parseEventPage,
  "entry-list": parseEntryList,
  "race-result": parseRaceResult,
  "multi-main-result": parseMultiMainResult,
  "round-ranking": parseRoundRanking,
  "qual-points": parseQualPoints,
  "overall-ranking": parseOverallRanking,
  "practice-month": parsePracticeMonth,
  "practice-day": parsePracticeDay,
  "practice-session": parsePracticeSession
}

/**
 * The parser for a page kind, for callers that hold the kind as data (the CLI, tests, the parse
 * threads). Pure and in-process: the pipeline parses through PageParser (ParsePool.ts) instead,
 * off the main thread and under a deadline.
 */
export const parsePage = <K extends ParseKind>(
  kind: K,
  html: string,
  url: string
): Effect.Effect<ParsedPages[K], LiveRcParseError> => parsers[kind](html, url)
