import { Cause, Effect, Exit, Schema } from "effect"
import { EntryList } from "../../src/liverc/models/EntryList.ts"
import { EventList } from "../../src/liverc/models/EventList.ts"
import { EventPage } from "../../src/liverc/models/EventPage.ts"
import { MultiMainResult } from "../../src/liverc/models/MultiMainResult.ts"
import { OverallRanking } from "../../src/liverc/models/OverallRanking.ts"
import { PracticeDayView, PracticeMonthView, PracticeSessionDetail } from "../../src/liverc/models/Practice.ts"
import { QualPoints } from "../../src/liverc/models/QualPoints.ts"
import { RaceResult } from "../../src/liverc/models/RaceResult.ts"
import { RoundRanking } from "../../src/liverc/models/RoundRanking.ts"
import { TrackCatalogue } from "../../src/liverc/models/TrackCatalogue.ts"
import { TrackDashboard } from "../../src/liverc/models/TrackDashboard.ts"
import { type ParseKind, pageKindOf, parsePage } from "../../src/liverc/ParsePage.ts"
import { capturedPage, fixturePage, trackUrl } from "./LiveRcPages.ts"
import { eventWithStandings, simPage, simWorld, SIM_TRACK } from "./SimStandings.ts"

/**
 * What the hostile-input suite and `npm run bench:hostile` share: the model of every parse kind,
 * the real and simulator-rendered pages to mutate, the rule every parser answers by (a value its
 * model accepts or a LiveRcParseError for its own page kind, never a throw or a defect), and
 * CPU-time measurement against a normal race page.
 */

export const models: { readonly [K in ParseKind]: Schema.Top } = {
  "track-catalogue": TrackCatalogue,
  "track-dashboard": TrackDashboard,
  events: EventList,
  event: EventPage,
  "entry-list": EntryList,
  "race-result": RaceResult,
  "multi-main-result": MultiMainResult,
  "round-ranking": RoundRanking,
  "qual-points": QualPoints,
  "overall-ranking": OverallRanking,
  "practice-month": PracticeMonthView,
  "practice-day": PracticeDayView,
  "practice-session": PracticeSessionDetail
}

export const parseKinds = Object.keys(models) as ReadonlyArray<ParseKind>

/** A URL of the right shape for each kind, so URL-derived fields (ids) have something to read. */
export const urlFor: { readonly [K in ParseKind]: string } = {
  "track-catalogue": "https://live.liverc.com/",
  "track-dashboard": trackUrl("/"),
  events: trackUrl("/events"),
  event: trackUrl("/results/?p=view_event&id=486677"),
  "entry-list": trackUrl("/results/?p=view_entry_list&id=486677"),
  "race-result": trackUrl("/results/?p=view_race_result&id=6304829"),
  "multi-main-result": trackUrl("/results/?p=view_multi_main_result&id=939156"),
  "round-ranking": trackUrl("/results/?p=view_round_ranking&id=1470838&o=laps_time"),
  "qual-points": trackUrl("/results/?p=view_points&id=7070446"),
  "overall-ranking": trackUrl("/results/?p=event_overall_ranking&id=486677"),
  "practice-month": trackUrl("/practice/?p=calendar&d=2025-10"),
  "practice-day": trackUrl("/practice/?p=session_list&d=2025-10-25"),
  "practice-session": trackUrl("/practice/?p=view_session&id=21290331")
}

export interface SamplePage {
  readonly name: string
  readonly kind: ParseKind
  readonly html: string
}

/** Every good page we have: captured from LiveRC, hand-made in its style, rendered by the simulator. */
export const samplePages = (): ReadonlyArray<SamplePage> => {
  const eventId = eventWithStandings()
  const event = simWorld().eventPage(eventId)
  const month = simWorld().practiceMonth(SIM_TRACK, "2025-10")
  const day = month.days[0]!
  const session = simWorld().practiceDay(SIM_TRACK, day).sessions[0]!
  const round = event.roundRankings[0]!
  const sim = (name: string, kind: ParseKind, path: string): SamplePage => ({ name: `sim ${name}`, kind, html: simPage(path) })
  return [
    { name: "track_catalogue.html", kind: "track-catalogue", html: capturedPage("track_catalogue.html") },
    { name: "canberraoffroad_dashboard.html", kind: "track-dashboard", html: capturedPage("canberraoffroad_dashboard.html") },
    { name: "bbrcc_dashboard.html", kind: "track-dashboard", html: capturedPage("bbrcc_dashboard.html") },
    { name: "canberraoffroad_events.html", kind: "events", html: capturedPage("canberraoffroad_events.html") },
    { name: "event-486677/event.html", kind: "event", html: capturedPage("event-486677/event.html") },
    { name: "event-486677/race.6304829.html", kind: "race-result", html: capturedPage("event-486677/race.6304829.html") },
    { name: "event-486677/race.6304822.html", kind: "race-result", html: capturedPage("event-486677/race.6304822.html") },
    { name: "entry_list.html", kind: "entry-list", html: fixturePage("entry_list.html") },
    { name: "multi_main_result.html", kind: "multi-main-result", html: fixturePage("multi_main_result.html") },
    { name: "qual_points.html", kind: "qual-points", html: fixturePage("qual_points.html") },
    { name: "round_ranking.html", kind: "round-ranking", html: fixturePage("round_ranking.html") },
    { name: "overall_ranking.html", kind: "overall-ranking", html: fixturePage("overall_ranking.html") },
    { name: "practice_month.html", kind: "practice-month", html: fixturePage("practice_month.html") },
    { name: "practice_day.html", kind: "practice-day", html: fixturePage("practice_day.html") },
    { name: "practice_session.html", kind: "practice-session", html: fixturePage("practice_session.html") },
    sim("dashboard", "track-dashboard", "/"),
    sim("events", "events", "/events"),
    sim("event", "event", `/results/?p=view_event&id=${eventId}`),
    sim("entry list", "entry-list", `/results/?p=view_entry_list&id=${eventId}`),
    sim("race", "race-result", `/results/?p=view_race_result&id=${event.races[0]!.raceId}`),
    sim("multi-main", "multi-main-result", `/results/?p=view_multi_main_result&id=${event.multiMains[0]!.id}`),
    sim("points", "qual-points", `/results/?p=view_points&id=${event.points[0]!.id}`),
    sim("round ranking", "round-ranking", `/results/?p=view_round_ranking&id=${round.id}&o=${round.order ?? "laps_time"}`),
    sim("overall ranking", "overall-ranking", `/results/?p=event_overall_ranking&id=${eventId}`),
    sim("practice month", "practice-month", "/practice/?p=calendar&d=2025-10"),
    sim("practice day", "practice-day", `/practice/?p=session_list&d=${day}`),
    sim("practice session", "practice-session", `/practice/?p=view_session&id=${session.sessionId}`)
  ]
}

/** Thrown when a parser breaks the rule; fast-check shrinks on it and prints the input. */
export class RuleBroken extends Error {}

/**
 * Runs one parser on `html` and checks the rule: a value its model accepts, or a LiveRcParseError
 * naming the kind's page and the URL (and not the safety net's "unexpected parser failure").
 */
export const typedOutcome = (kind: ParseKind, html: string, url = urlFor[kind]): "parsed" | "refused" => {
  const exit = Effect.runSyncExit(parsePage(kind, html, url))
  if (Exit.isSuccess(exit)) {
    if (!Schema.is(models[kind])(exit.value)) throw new RuleBroken(`${kind}: the value does not fit its model`)
    return "parsed"
  }
  const error = Cause.findErrorOption(exit.cause)
  if (error._tag !== "Some") throw new RuleBroken(`${kind}: not a typed failure: ${Cause.pretty(exit.cause)}`)
  const failure = error.value
  if (failure._tag !== "LiveRcParseError" || failure.page !== pageKindOf(kind) || failure.url !== url) {
    throw new RuleBroken(`${kind}: a failure for the wrong page: ${String(failure)}`)
  }
  if (failure.reason.startsWith("unexpected parser failure")) throw new RuleBroken(`${kind}: ${failure.reason}`)
  return "refused"
}

/** CPU milliseconds (user + system, this process) `work` takes: unlike wall time, load-independent. */
export const cpuMillis = (work: () => void): number => {
  const before = process.cpuUsage()
  work()
  const spent = process.cpuUsage(before)
  return (spent.user + spent.system) / 1000
}

export const NORMAL_RACE_PAGE = "event-486677/race.6304829.html"

/**
 * CPU ms per MB of parsing the largest real race page (160 kB), after a warm-up: the yardstick
 * hostile pages are held to. The median of several rounds, so one GC pause does not set it.
 */
export const normalMsPerMb = (rounds = 9, perRound = 5): number => {
  const html = capturedPage(NORMAL_RACE_PAGE)
  const url = urlFor["race-result"]
  const megabytes = Buffer.byteLength(html) / 1e6
  const once = () => {
    if (typedOutcome("race-result", html, url) !== "parsed") throw new Error("the normal race page did not parse")
  }
  for (let i = 0; i < 10; i++) once()
  const samples: Array<number> = []
  for (let round = 0; round < rounds; round++) {
    samples.push(cpuMillis(() => {
      for (let i = 0; i < perRound; i++) once()
    }) / (perRound * megabytes))
  }
  samples.sort((a, b) => a - b)
  return samples[Math.floor(samples.length / 2)]!
}

/** `html` parsed as `kind` with the rule checked, and the CPU it took. */
export const measuredParse = (kind: ParseKind, html: string): { readonly outcome: "parsed" | "refused"; readonly cpuMs: number } => {
  let outcome: "parsed" | "refused" = "refused"
  const cpuMs = cpuMillis(() => {
    outcome = typedOutcome(kind, html)
  })
  return { outcome, cpuMs }
}
