import type { CheerioAPI } from "cheerio"
import type { Effect } from "effect"
import type { LiveRcParseError } from "./LiveRcParseError.ts"
import { QualPoints, type QualPointsClass, type QualPointsEntry, type QualPointsRound } from "./models/QualPoints.ts"
import { collapse, integerOf, liveRcIdOf, loadPage, mismatch, nonBlank, pageOf, queryParams, runParser } from "./PageParsing.ts"
import {
  cellText,
  classHeaderOf,
  classNameOf,
  columnOf,
  driverOf,
  isBlankMark,
  lapsTimeOf,
  precedingLabel,
  type StandingsTable,
  standingsTables,
  subHeaderLines,
  tieBreakerOf
} from "./StandingsTables.ts"

/**
 * Qualifying points (`?p=view_points&id=N`): one table per class. The current layout puts the
 * class in the head (`span.class_header`, with `span.class_sub_header` "Tie Breaker: IFMAR") above
 * `# | Driver | Result | Tie Breaker | Round 1 | Round 2 ...`; the legacy one has only the column
 * row and names the class in a "Buggy Tie Breaker: ..." line above the table. Result is points, or
 * on events ranked by aggregate laps/time a `11/5:09.946`; round cells read `2 : 16/10:18.631`.
 */

/** `#`, Driver and Result columns; a Race column makes it the overall ranking's table instead. */
const isPointsTable = (table: StandingsTable): boolean =>
  table.columns !== null &&
  table.columns.some((l) => l.startsWith("driver")) &&
  table.columns.includes("result") &&
  (table.columns.includes("#") || table.columns.includes("pos")) &&
  !table.columns.includes("race")

/** `Buggy Tie Breaker: IFMAR` -> class `Buggy`, rule `IFMAR`. */
const legacyLabel = (text: string): { readonly className: string | null; readonly tieBreaker: string | null } => {
  const at = text.toLowerCase().indexOf("tie breaker")
  const rule = collapse(text.slice(at + "tie breaker".length))
  return {
    className: nonBlank(classNameOf(text.slice(0, at))),
    tieBreaker: nonBlank(collapse(rule.startsWith(":") ? rule.slice(1) : rule))
  }
}

/** The first head row's wide cell names the class when it has no `.class_header` span. */
const wideTitleOf = ($: CheerioAPI, table: StandingsTable): string => {
  const first = table.titleRows[0]
  const cell = first === undefined ? undefined : $(first).children("th").first()[0]
  if (cell === undefined || Number(cell.attribs["colspan"] ?? "1") <= 1) return ""
  const line = classNameOf($(cell).text().split("\n").map(collapse).find((l) => l !== "") ?? "")
  return line.toLowerCase().includes("tie breaker") ? "" : line
}

const classOf = ($: CheerioAPI, table: StandingsTable): { readonly className: string | null; readonly tieBreaker: string | null } => {
  const ruleInHead = tieBreakerOf(subHeaderLines($, table))
  const header = classHeaderOf(table) || wideTitleOf($, table)
  if (header !== "") return { className: header, tieBreaker: ruleInHead }
  const above = precedingLabel(table.element, (text) => text.toLowerCase().includes("tie breaker"))
  if (above === null) return { className: null, tieBreaker: ruleInHead }
  const legacy = legacyLabel(above)
  return { className: legacy.className, tieBreaker: ruleInHead ?? legacy.tieBreaker }
}

/** The text after a ` : ` (or `: `) separator and the number before it; times hold colons without spaces. */
const splitRoundCell = (text: string): { readonly points: number | null; readonly value: string } => {
  let separator = text.indexOf(" : ")
  let width = 3
  if (separator === -1) {
    separator = text.indexOf(": ")
    width = 2
  }
  if (separator === -1) return { points: null, value: text }
  const points = integerOf(text.slice(0, separator))
  return points === null ? { points: null, value: text } : { points, value: collapse(text.slice(separator + width)) }
}

/** `16/10:18.631 (DNF)`: the laps/time is the first word. */
const roundOf = (round: number, text: string): typeof QualPointsRound.Encoded | null => {
  if (isBlankMark(text)) return null
  const { points, value } = splitRoundCell(text)
  const lapsTime = lapsTimeOf(value.split(" ")[0] ?? "")
  return {
    round,
    points,
    laps: lapsTime?.laps ?? null,
    totalTimeMs: lapsTime?.totalTimeMs ?? null,
    result: value === "" ? text : value
  }
}

/** `Round 3` -> 3; a round header without a number counts in column order. */
const roundNumberOf = (label: string, ordinal: number): number => {
  const number = integerOf(label.slice("round".length))
  return number ?? ordinal
}

const resultOf = (text: string, driver: string) => {
  if (isBlankMark(text)) return { points: null, resultLaps: null, resultTimeMs: null }
  const points = integerOf(text)
  if (points !== null) return { points, resultLaps: null, resultTimeMs: null }
  const lapsTime = lapsTimeOf(text)
  if (lapsTime !== null) return { points: 0, resultLaps: lapsTime.laps, resultTimeMs: lapsTime.totalTimeMs }
  return mismatch(`the Result of ${driver} is neither points nor laps/time: ${JSON.stringify(text.slice(0, 40))}`)
}

const classTable = ($: CheerioAPI, table: StandingsTable): typeof QualPointsClass.Encoded => {
  const columns = table.columns!
  const position = columnOf(table, (l) => l === "#" || l === "pos")
  const driver = columnOf(table, (l) => l.startsWith("driver"))
  const result = columnOf(table, (l) => l === "result")
  const tieBreaker = columnOf(table, (l) => l === "tie breaker" || l === "tiebreaker")
  const rounds = columns.flatMap((label, index) => (label.startsWith("round") ? [index] : []))
    .map((index, ordinal) => ({ index, round: roundNumberOf(columns[index]!, ordinal + 1) }))

  const entries = table.rows.flatMap((cells, i): ReadonlyArray<typeof QualPointsEntry.Encoded> => {
    if (cells.length < 3) return []
    const text = (index: number) => (index === -1 || cells[index] === undefined ? "" : cellText(cells[index]))
    const who = driverOf(cells[driver], i + 1)
    const tie = text(tieBreaker)
    return [{
      position: integerOf(text(position)),
      ...who,
      ...resultOf(text(result), who.driverName),
      tieBreaker: isBlankMark(tie) ? null : tie,
      rounds: rounds.flatMap(({ index, round }) => {
        const cell = roundOf(round, text(index))
        return cell === null ? [] : [cell]
      })
    }]
  })
  return { ...classOf($, table), entries }
}

const extract = (html: string, url: string): typeof QualPoints.Encoded => {
  const $ = loadPage(html)
  const tables = standingsTables($).filter(isPointsTable)
  if (tables.length === 0) mismatch("no qualifying points table (#, Driver and Result columns, no Race column)")
  const params = queryParams(url)
  return {
    pointsId: pageOf(params) === "view_points" ? liveRcIdOf(params.get("id")) : null,
    classes: tables.map((table) => classTable($, table))
  }
}

/** Parses `/results/?p=view_points&id=N`. */
export const parseQualPoints = (html: string, url: string): Effect.Effect<QualPoints, LiveRcParseError> =>
  runParser("points", url, QualPoints, () => extract(html, url))
