import { type Effect, Schema } from "effect"
import { parseEntryList } from "./EntryListParser.ts"
import { parseEventList } from "./EventListParser.ts"
import { parseEventPage } from "./EventPageParser.ts"
import type { LiveRcParseError } from "./LiveRcParseError.ts"
import { parsePracticeDay } from "./PracticeDayParser.ts"
import { parsePracticeMonth } from "./PracticeMonthParser.ts"
import { parsePracticeSession } from "./PracticeSessionParser.ts"
import { parseRaceResult } from "./RaceResultParser.ts"
import { parseTrackCatalogue } from "./TrackCatalogueParser.ts"
import { parseTrackDashboard } from "./TrackDashboardParser.ts"

/** Every page a parser reads, by the name `liverc-ingest parse <kind>` takes. */
export const ParseKind = Schema.Literals([
  "track-catalogue",
  "track-dashboard",
  "events",
  "event",
  "entry-list",
  "race-result",
  "practice-month",
  "practice-day",
  "practice-session"
])
export type ParseKind = typeof ParseKind.Type

type Parser = (html: string, url: string) => Effect.Effect<unknown, LiveRcParseError>

const parsers: { readonly [K in ParseKind]: Parser } = {
  "track-catalogue": parseTrackCatalogue,
  "track-dashboard": parseTrackDashboard,
  events: parseEventList,
  event: parseEventPage,
  "entry-list": parseEntryList,
  "race-result": parseRaceResult,
  "practice-month": parsePracticeMonth,
  "practice-day": parsePracticeDay,
  "practice-session": parsePracticeSession
}

/** The parser for a page kind, for callers that hold the kind as data (the CLI, tests). */
export const parsePage = (kind: ParseKind, html: string, url: string): Effect.Effect<unknown, LiveRcParseError> =>
  parsers[kind](html, url)
