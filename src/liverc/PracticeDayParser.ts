import type { Effect } from "effect"
import { parseLapTime } from "./LapTime.ts"
import type { LiveRcParseError } from "./LiveRcParseError.ts"
import { PracticeDayView, type PracticeSessionSummary } from "./models/Practice.ts"
import {
  englishDate,
  integerOf,
  isoDate,
  linesOf,
  liveRcIdOf,
  loadPage,
  mismatch,
  nonBlank,
  pageOf,
  queryParams,
  runParser,
  sortableDateTime,
  textOf
} from "./PageParsing.ts"
import { hasLineTerminator, spaceRunStart } from "./TextScan.ts"

/**
 * A day's practice sessions (`/practice/?p=session_list&d=YYYY-MM-DD`): `table.practice_session_list`,
 * one row per session. No sample page was captured; the cells follow the old service's parser:
 * driver link + `<small>Class (transponder)</small>`, a hidden sortable start time, laps over
 * duration, `Fast:` / `Avg:` times.
 */

/** `1/8 Electric Buggy (1234567)` -> class and transponder; the last parenthesis holds the transponder. */
export const classAndTransponder = (
  text: string
): { readonly className: string | null; readonly transponder: string | null } => {
  const match = lastParenthesis(text)
  if (match === null) return { className: nonBlank(text), transponder: null }
  return { className: nonBlank(match.before), transponder: nonBlank(match.inside.trim()) }
}

/** What `/^(.*?)\s*\(([^()]*)\)$/` captures, in one pass: the text before a closing `(...)` and inside it. */
export const lastParenthesis = (text: string): { readonly before: string; readonly inside: string } | null => {
  if (!text.endsWith(")")) return null
  const open = text.lastIndexOf("(", text.length - 2)
  if (open === -1) return null
  const inside = text.slice(open + 1, -1)
  if (inside.includes(")")) return null
  const end = spaceRunStart(text, open)
  return hasLineTerminator(text, 0, end) ? null : { before: text.slice(0, end), inside }
}

const labelled = (lines: ReadonlyArray<string>, label: string): string =>
  lines.find((line) => line.toLowerCase().startsWith(label))?.slice(label.length).trim() ?? ""

const timeOf = (text: string, what: string, session: string): number | null => {
  const ms = parseLapTime(text)
  return ms === undefined ? mismatch(`${what} of session ${session} is not a time: ${JSON.stringify(text)}`) : ms
}

const DAY = /^(\d{4})-(\d{2})-(\d{2})$/

const extract = (html: string, url: string): typeof PracticeDayView.Encoded => {
  const $ = loadPage(html)
  const table = $("table.practice_session_list").first()
  const sessions: Array<typeof PracticeSessionSummary.Encoded> = []
  if (table.length === 0) {
    if (!/no practice sessions/i.test($("body").text())) mismatch("no session table (table.practice_session_list)")
  } else {
    const body = table.children("tbody")
    if (body.length === 0) mismatch("the session table has no body")
    for (const row of body.children("tr").toArray()) {
      const cells = $(row).children("td")
      if (cells.length === 0) continue
      const first = cells.eq(0)
      const anchor = first.find("a[href]").first()
      const params = queryParams(anchor.attr("href") ?? "")
      const sessionId = pageOf(params) === "view_session" ? liveRcIdOf(params.get("id")) : null
      if (sessionId === null) mismatch(`row ${sessions.length + 1} has no session link`)
      const startedAt = sortableDateTime(textOf(cells.eq(1).find(".hidden").first()))
      if (startedAt === null) mismatch(`session ${sessionId} has no start time`)
      const lapsCell = cells.eq(2)
      const lapLines = linesOf(lapsCell)
      const lapCount = integerOf(lapsCell.attr("data-sort") ?? "") ?? integerOf(lapLines[0] ?? "")
      if (lapCount === null) mismatch(`session ${sessionId} has no lap count`)
      const times = linesOf(cells.eq(3))
      sessions.push({
        sessionId,
        driverName: textOf(anchor),
        ...classAndTransponder(textOf(first.find("small").first())),
        startedAt,
        lapCount,
        durationMs: timeOf(lapLines[1] ?? "", "duration", sessionId),
        fastLapMs: timeOf(labelled(times, "fast:"), "fastest lap", sessionId),
        avgLapMs: timeOf(labelled(times, "avg:"), "average lap", sessionId)
      })
    }
  }

  // The day asked for; else the page's "Practice Sessions on October 25, 2025"; else a session's.
  const asked = DAY.exec(queryParams(url).get("d") ?? "")
  const heading = /Practice Sessions on\s+([A-Za-z]+\.?\s+\d{1,2},?\s+\d{4})/i.exec($("body").text())
  const date = (asked === null ? null : isoDate(Number(asked[1]), Number(asked[2]), Number(asked[3]))) ??
    (heading === null ? null : englishDate(heading[1]!)) ??
    sessions[0]?.startedAt.slice(0, 10) ??
    null
  if (date === null) mismatch("no date: the URL has no d=YYYY-MM-DD and the page names none")
  return { date, sessions }
}

/** Parses `/practice/?p=session_list&d=YYYY-MM-DD`; a day without practice is an empty list. */
export const parsePracticeDay = (html: string, url: string): Effect.Effect<PracticeDayView, LiveRcParseError> =>
  runParser("practice-day", url, PracticeDayView, () => extract(html, url))
