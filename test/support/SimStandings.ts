import { Effect } from "effect"
import type { SnapshotStandings } from "../../src/db/EventSnapshot.ts"
import type { LiveRcId } from "../../src/liverc/LiveRcIds.ts"
import type { LiveRcParseError } from "../../src/liverc/LiveRcParseError.ts"
import { parseMultiMainResult } from "../../src/liverc/MultiMainResultParser.ts"
import { parseOverallRanking } from "../../src/liverc/OverallRankingParser.ts"
import { parseQualPoints } from "../../src/liverc/QualPointsParser.ts"
import { parseRoundRanking } from "../../src/liverc/RoundRankingParser.ts"
import { capturedPages } from "../../src/sim/CapturedPages.ts"
import { RevisionRegistry } from "../../src/sim/Mutations.ts"
import { defaultSimConfig } from "../../src/sim/SimConfig.ts"
import { SimPages } from "../../src/sim/SimPages.ts"
import { parseRoute } from "../../src/sim/SimRoutes.ts"
import type { SyntheticData } from "../../src/sim/SyntheticData.ts"

/**
 * The event side pages exactly as the simulator serves them (the same bytes `GET` answers), without
 * starting a server: `SimPages` behind the default knobs, addressed by the request target.
 */

let pages: SimPages | undefined

const simPages = (): SimPages => {
  pages ??= new SimPages(defaultSimConfig, capturedPages(), new RevisionRegistry())
  return pages
}

/** The synthetic world the pages are rendered from, to compare parsed values with. */
export const simWorld = (): SyntheticData => simPages().data

export const SIM_TRACK = "canberraoffroad"

/** The page the simulator answers for `/t/canberraoffroad{path}`, e.g. `/results/?p=view_points&id=1`. */
export const simPage = (path: string): string => {
  const route = parseRoute(`/t/${SIM_TRACK}${path}`)
  if (route === null || route.kind === "robots") throw new Error(`the simulator has no page at ${path}`)
  return simPages().page(route).body.toString("utf8")
}

/** The first synthetic event from `from` on whose event page links multi-mains, points and round rankings. */
export const eventWithStandings = (from = 100_000): string => {
  for (let id = from; id < from + 500; id++) {
    const page = simWorld().eventPage(String(id))
    if (page.multiMains.length > 0 && page.points.length > 0 && page.roundRankings.length > 0) return String(id)
  }
  throw new Error("no synthetic event with every standings page")
}

const parsedPage = <A>(path: string, parse: (html: string, url: string) => Effect.Effect<A, LiveRcParseError>): A =>
  Effect.runSync(parse(simPage(`/results/?${path}`), `https://${SIM_TRACK}.liverc.com/results/?${path}`))

/** Event 486677's standings pages (the ids its real page links) as the simulator serves them, parsed. */
export const realEventStandings = (): SnapshotStandings => ({
  multiMains: ["939156", "939133", "939123"].map((id) => ({
    id: id as LiveRcId,
    page: parsedPage(`p=view_multi_main_result&id=${id}`, parseMultiMainResult)
  })),
  roundRankings: ["1470838", "1470839", "1471194"].map((id) => ({
    id: id as LiveRcId,
    page: parsedPage(`p=view_round_ranking&id=${id}&o=laps_time`, parseRoundRanking)
  })),
  points: [{ id: "7070446" as LiveRcId, page: parsedPage("p=view_points&id=7070446", parseQualPoints) }],
  overallRanking: { id: "486677" as LiveRcId, page: parsedPage("p=event_overall_ranking&id=486677", parseOverallRanking) }
})
