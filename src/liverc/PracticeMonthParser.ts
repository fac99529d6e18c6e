import type { Effect } from "effect"
import type { LiveRcParseError } from "./LiveRcParseError.ts"
import { PracticeMonthView } from "./models/Practice.ts"
import { isoDate, loadPage, mismatch, pageOf, queryParams, runParser } from "./PageParsing.ts"

/**
 * A track's practice calendar (`/practice/?p=calendar&d=YYYY-MM`): the days of that month that
 * link to a session list. No sample page was captured; it is read the way the old service did:
 * every `session_list` link with `d=YYYY-MM-DD` counts, whatever table it sits in, because the page
 * can show another day's "no sessions" table above the calendar.
 */

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/
const MONTH = /^(\d{4})-(\d{2})$/

const extract = (html: string, url: string): typeof PracticeMonthView.Encoded => {
  const $ = loadPage(html)
  const days: Array<string> = []
  for (const anchor of $("a[href]").toArray()) {
    const params = queryParams(anchor.attribs["href"] ?? "")
    if (pageOf(params) !== "session_list") continue
    const match = DAY.exec(params.get("d") ?? "")
    const day = match === null ? null : isoDate(Number(match[1]), Number(match[2]), Number(match[3]))
    if (day !== null) days.push(day)
  }
  // The month asked for; a URL without one (a saved page) falls back to the first linked day's.
  const asked = MONTH.exec(queryParams(url).get("d") ?? "")
  const month = asked !== null ? asked[0] : days[0]?.slice(0, 7)
  if (month === undefined) mismatch("no month: the URL has no d=YYYY-MM and the page links no practice day")
  return { month, days: [...new Set(days.filter((day) => day.startsWith(`${month}-`)))].sort() }
}

/** Parses `/practice/?p=calendar&d=YYYY-MM`. */
export const parsePracticeMonth = (html: string, url: string): Effect.Effect<PracticeMonthView, LiveRcParseError> =>
  runParser("practice-month", url, PracticeMonthView, () => extract(html, url))
