import type { Cheerio, CheerioAPI } from "cheerio"
import type { Element } from "domhandler"
import type { Effect } from "effect"
import { parseLapTime } from "./LapTime.ts"
import type { LiveRcParseError } from "./LiveRcParseError.ts"
import { type PracticeLap, PracticeSessionDetail } from "./models/Practice.ts"
import {
  clockTime,
  englishDate,
  integerOf,
  linesOf,
  liveRcIdOf,
  loadPage,
  mismatch,
  nonBlank,
  pageOf,
  queryParams,
  runParser,
  textOf
} from "./PageParsing.ts"
import { type JsValue, parseJsLiteral, readRacerLaps } from "./RacerLapsScript.ts"

/**
 * One practice session (`/practice/?p=view_session&id=N`): a label/value table (Driver, Class,
 * Transponder, Session Time, Num Laps, Fastest Lap, Averages, ...) and the laps in a
 * `var lapsObj = [{"x":"1","lap_time":"44.564"}, ...]` script. No sample page was captured; this
 * follows the old service's parser, minus its defaults of "today" and "now" for a missing date.
 */

/** The value cells of the first `table.table`, by their row's label. */
const rowsByLabel = ($: CheerioAPI): ReadonlyArray<{ readonly label: string; readonly cell: Cheerio<Element> }> => {
  const table = $("table.table").first()
  if (table.length === 0) return mismatch("no session table (table.table)")
  return table.find("tr").toArray().flatMap((row) => {
    const cell = $(row).children("td").first()
    return cell.length === 0 ? [] : [{ label: textOf($(row).children("th").first()).toLowerCase(), cell }]
  })
}

const labelled = (lines: ReadonlyArray<string>, label: string): string =>
  lines.find((line) => line.toLowerCase().startsWith(label))?.slice(label.length).trim() ?? ""

const TIME_TOKEN = /^\S+/

const timeOf = (text: string, what: string): number | null => {
  const token = TIME_TOKEN.exec(text.trim())?.[0] ?? ""
  const ms = parseLapTime(token)
  return ms === undefined ? mismatch(`${what} is not a time: ${JSON.stringify(text.slice(0, 40))}`) : ms
}

const PERCENT = /^(\d{1,3}(?:\.\d+)?)\s*%?$/

const textField = (value: JsValue | undefined): string | null =>
  typeof value === "string" ? value : typeof value === "number" ? String(value) : null

/** `var lapsObj = [...]`, else the race-style `racerLaps[transponder]` block. */
const lapsOf = ($: CheerioAPI, transponder: string | null): ReadonlyArray<typeof PracticeLap.Encoded> => {
  let script = ""
  for (const element of $("script").toArray()) {
    const text = $(element).text()
    if (text.includes("lapsObj") || text.includes("racerLaps")) script += text + "\n"
  }
  const laps: Array<typeof PracticeLap.Encoded> = []
  const add = (lapText: string | null, timeText: string | null) => {
    const lap = integerOf(lapText ?? "")
    const timeMs = parseLapTime(timeText ?? "")
    if (lap === null || timeMs === null || timeMs === undefined) {
      mismatch(`a lap reads ${JSON.stringify(lapText)} / ${JSON.stringify(timeText)}`)
    }
    // Lap 0 would be the start line, as on race pages.
    if (lap > 0) laps.push({ lap, timeMs })
  }
  const declaration = /\blapsObj\s*=\s*/.exec(script)
  if (declaration !== null) {
    const literal = parseJsLiteral(script, declaration.index + declaration[0].length)
    if (!literal.ok) return mismatch(`lapsObj: ${literal.reason}`)
    if (!Array.isArray(literal.value)) return mismatch("lapsObj is not a list")
    for (const item of literal.value as ReadonlyArray<JsValue>) {
      if (typeof item !== "object" || item === null || Array.isArray(item)) {
        return mismatch("a lapsObj item is not an object")
      }
      const lap = item as { readonly [key: string]: JsValue }
      add(textField(lap["x"] ?? lap["lapNum"]), textField(lap["lap_time"] ?? lap["time"]))
    }
  } else if (transponder !== null) {
    const read = readRacerLaps(script)
    if (!read.ok) return mismatch(read.reason)
    for (const lap of read.drivers.get(transponder)?.laps ?? []) add(lap.lapNum, lap.time)
  }
  for (let i = 1; i < laps.length; i++) {
    if (laps[i]!.lap <= laps[i - 1]!.lap) mismatch(`lap ${laps[i]!.lap} follows lap ${laps[i - 1]!.lap}`)
  }
  return laps
}

const extract = (html: string, url: string): typeof PracticeSessionDetail.Encoded => {
  const $ = loadPage(html)
  const rows = rowsByLabel($)
  // Rows are found by their label; a table without labels is read by LiveRC's row order.
  const unlabelled = rows.every((row) => row.label === "")
  const cellFor = (test: (label: string) => boolean, position: number): Cheerio<Element> | undefined =>
    rows.find((row) => test(row.label))?.cell ?? (unlabelled ? rows[position]?.cell : undefined)
  const text = (cell: Cheerio<Element> | undefined) => (cell === undefined ? "" : textOf(cell))

  const driverName = text(cellFor((l) => l.startsWith("driver"), 0))
  if (driverName === "") mismatch("no driver")
  const transponder = nonBlank(text(cellFor((l) => l.startsWith("transponder"), 2)))

  const timing = cellFor((l) => l.startsWith("session time") || l === "time", 3)
  const timingLines = timing === undefined ? [] : linesOf(timing)
  const date = englishDate(labelled(timingLines, "date:"))
  const start = clockTime(labelled(timingLines, "start:"))
  if (date === null || start === null) mismatch("no session date and start time (Date: ... / Start: ...)")

  const averages = cellFor((l) => l.startsWith("averages"), 7)
  const averageLines = averages === undefined ? [] : linesOf(averages)
  const consistency = PERCENT.exec(labelled(averageLines, "consistency:"))
  const consistencyPct = consistency === null ? null : Number(consistency[1])

  const laps = lapsOf($, transponder)
  const lapCountText = text(cellFor((l) => l.startsWith("num laps") || l === "laps", 4))
  const lapCount = integerOf(lapCountText) ?? laps.length

  const params = queryParams(url)
  return {
    sessionId: pageOf(params) === "view_session" ? liveRcIdOf(params.get("id")) : null,
    driverName,
    className: nonBlank(text(cellFor((l) => l.startsWith("class"), 1))),
    transponder,
    startedAt: `${date}T${start}`,
    durationMs: timeOf(labelled(timingLines, "length of session:"), "the session length"),
    lapCount,
    fastLapMs: timeOf(text(cellFor((l) => l.startsWith("fastest"), 5)), "the fastest lap"),
    avgLapMs: timeOf(labelled(averageLines, "avg:"), "the average lap"),
    consistencyPct: consistencyPct !== null && consistencyPct <= 100 ? consistencyPct : null,
    laps
  }
}

/** Parses `/practice/?p=view_session&id=N`. */
export const parsePracticeSession = (
  html: string,
  url: string
): Effect.Effect<PracticeSessionDetail, LiveRcParseError> =>
  runParser("practice-session", url, PracticeSessionDetail, () => extract(html, url))
