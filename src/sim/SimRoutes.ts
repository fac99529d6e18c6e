import type { RoundRankingOrder } from "../liverc/LiveRcUrls.ts"

/**
 * LiveRC's URL layout on one loopback server: `/` is the catalogue host, `/t/{track}/...` a track's
 * site. Anything that is not a page LiveRC has, or carries an invalid slug, id, month or date, is
 * not a route (404), the same rules the service's URL builder enforces.
 */

/** Route kinds are the service's page kinds (LiveRcUrls.PageKind), so stats and client agree on names. */
export type Route =
  | { readonly kind: "track-catalogue" }
  | { readonly kind: "robots"; readonly slug: string | null }
  | { readonly kind: "track-dashboard" | "events" | "results"; readonly slug: string }
  | {
    readonly kind: "event" | "entry-list" | "race-result" | "multi-main" | "points" | "overall-ranking" | "practice-session"
    readonly slug: string
    readonly id: string
  }
  | { readonly kind: "round-ranking"; readonly slug: string; readonly id: string; readonly order: RoundRankingOrder | null }
  | { readonly kind: "practice-month"; readonly slug: string; readonly month: string }
  | { readonly kind: "practice-day"; readonly slug: string; readonly date: string }

const slugPattern = /^[a-z0-9][a-z0-9-]{0,62}$/
const idPattern = /^[1-9][0-9]{0,11}$/
const monthPattern = /^(19|20)[0-9]{2}-(0[1-9]|1[0-2])$/
const datePattern = /^(19|20)[0-9]{2}-[01][0-9]-[0-3][0-9]$/

const isRealDate = (value: string) => {
  if (!datePattern.test(value)) return false
  const parsed = new Date(`${value}T00:00:00Z`)
  return !Number.isNaN(parsed.getTime()) && parsed.toISOString().slice(0, 10) === value
}

const resultPages: Record<string, "event" | "entry-list" | "race-result" | "multi-main" | "points" | "overall-ranking"> = {
  view_event: "event",
  view_entry_list: "entry-list",
  view_race_result: "race-result",
  view_multi_main_result: "multi-main",
  view_points: "points",
  event_overall_ranking: "overall-ranking"
}

const resultsRoute = (slug: string, query: URLSearchParams): Route | null => {
  const page = query.get("p")
  if (page === null) return { kind: "results", slug }
  const id = query.get("id") ?? ""
  if (!idPattern.test(id)) return null
  if (page === "view_round_ranking") {
    const order = query.get("o")
    if (order !== null && order !== "laps_time" && order !== "top_3_consecutive") return null
    return { kind: "round-ranking", slug, id, order }
  }
  const kind = resultPages[page]
  return kind === undefined ? null : { kind, slug, id }
}

const practiceRoute = (slug: string, query: URLSearchParams): Route | null => {
  const page = query.get("p")
  const d = query.get("d") ?? ""
  if (page === "calendar") return monthPattern.test(d) ? { kind: "practice-month", slug, month: d } : null
  if (page === "session_list") return isRealDate(d) ? { kind: "practice-day", slug, date: d } : null
  if (page === "view_session") {
    const id = query.get("id") ?? ""
    return idPattern.test(id) ? { kind: "practice-session", slug, id } : null
  }
  return null
}

/** Route of a request target (`/t/x/results/?p=view_event&id=1`), or null for a 404. */
export const parseRoute = (target: string): Route | null => {
  const q = target.indexOf("?")
  const path = q < 0 ? target : target.slice(0, q)
  // URLSearchParams decodes `%5F` to `_`, which some tracks write in links.
  const query = new URLSearchParams(q < 0 ? "" : target.slice(q + 1))
  if (path === "/") return { kind: "track-catalogue" }
  if (path === "/robots.txt") return { kind: "robots", slug: null }
  if (!path.startsWith("/t/")) return null
  const rest = path.slice(3)
  const slash = rest.indexOf("/")
  const slug = slash < 0 ? rest : rest.slice(0, slash)
  if (!slugPattern.test(slug)) return null
  const sub = slash < 0 ? "/" : rest.slice(slash)
  switch (sub) {
    case "/":
      return { kind: "track-dashboard", slug }
    case "/robots.txt":
      return { kind: "robots", slug }
    case "/events":
    case "/events/":
      return { kind: "events", slug }
    case "/results":
    case "/results/":
      return resultsRoute(slug, query)
    case "/practice":
    case "/practice/":
      return practiceRoute(slug, query)
    default:
      return null
  }
}
