import type { AnyNode, Element } from "domhandler"
import type { Effect } from "effect"
import type { LiveRcParseError } from "./LiveRcParseError.ts"
import { OverallRanking, type OverallRankingClass, type OverallRankingEntry } from "./models/OverallRanking.ts"
import { collapse, integerOf, liveRcIdOf, loadPage, mismatch, nonBlank, pageOf, queryParams, runParser } from "./PageParsing.ts"
import {
  cellText,
  classHeaderOf,
  columnOf,
  driverOf,
  isBlankMark,
  lapsTimeOf,
  leadingInteger,
  linkedIdOf,
  type StandingsTable,
  standingsTables
} from "./StandingsTables.ts"

/**
 * The overall final ranking (`?p=event_overall_ranking&id=EVENT`): every class's final order, one
 * table per class with its name in a head `.class_header` above the column labels. Columns come
 * by label, since tracks differ (`Pos | Driver | Race | Result`, or `Pos | Brand | Country |
 * Driver | Result | Race`). Result reads `[2] [1] 17/10:02.843`, Race `A Main`.
 */

const isPosition = (label: string) => label === "pos" || label === "position"

/** A class header over Pos and Driver columns; Round columns make it a qualifying points table. */
const isRankingTable = (table: StandingsTable): boolean =>
  table.columns !== null &&
  table.columns.some(isPosition) &&
  !table.columns.some((l) => l.startsWith("round")) &&
  classHeaderOf(table) !== ""

/** `[2] [1] 17/10:02.843` -> [2, 1] and `17/10:02.843`. */
export const splitResult = (text: string): { readonly bracketed: ReadonlyArray<number>; readonly rest: string } => {
  const bracketed: Array<number> = []
  let rest = text
  while (rest.startsWith("[")) {
    const close = rest.indexOf("]")
    if (close === -1) break
    const value = integerOf(rest.slice(1, close))
    if (value === null) break
    bracketed.push(value)
    rest = rest.slice(close + 1).trimStart()
  }
  return { bracketed, rest }
}

const resultOf = (text: string) => {
  if (isBlankMark(text)) return { result: null, bracketed: [], laps: null, totalTimeMs: null }
  const { bracketed, rest } = splitResult(text)
  const lapsTime = lapsTimeOf(rest)
  return { result: text, bracketed, laps: lapsTime?.laps ?? null, totalTimeMs: lapsTime?.totalTimeMs ?? null }
}

const imageTitleOf = (cell: Element): string | null => {
  const pending: Array<AnyNode> = [...cell.children]
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    if ((node as { readonly type: string }).type !== "tag") continue
    const element = node as Element
    if (element.name === "img") return nonBlank(collapse(element.attribs["title"] ?? element.attribs["alt"] ?? ""))
    for (const child of element.children) pending.push(child)
  }
  return null
}

const classTable = (table: StandingsTable): typeof OverallRankingClass.Encoded => {
  const position = columnOf(table, isPosition)
  const driver = columnOf(table, (l) => l.startsWith("driver"))
  const race = columnOf(table, (l) => l === "race")
  const result = columnOf(table, (l) => l === "result")
  const brand = columnOf(table, (l) => l === "brand")
  const country = columnOf(table, (l) => l === "country")
  const entries = table.rows.flatMap((cells, i): ReadonlyArray<typeof OverallRankingEntry.Encoded> => {
    if (cells.length < 2) return []
    const text = (index: number) => (index === -1 || cells[index] === undefined ? "" : cellText(cells[index]))
    const positionText = text(position)
    const countryCell = country === -1 ? undefined : cells[country]
    const countryText = text(country)
    return [{
      position: integerOf(positionText) ?? leadingInteger(positionText),
      ...driverOf(cells[driver], i + 1),
      race: isBlankMark(text(race)) ? null : text(race),
      raceId: race === -1 ? null : linkedIdOf(cells[race], "view_race_result"),
      ...resultOf(text(result)),
      brand: isBlankMark(text(brand)) ? null : text(brand),
      country: !isBlankMark(countryText) ? countryText : countryCell === undefined ? null : imageTitleOf(countryCell)
    }]
  })
  return { className: classHeaderOf(table), entries }
}

const extract = (html: string, url: string): typeof OverallRanking.Encoded => {
  const $ = loadPage(html)
  const tables = standingsTables($).filter(isRankingTable)
  if (tables.length === 0) mismatch("no overall ranking table (.class_header over Pos and Driver columns)")
  const params = queryParams(url)
  return {
    eventId: pageOf(params) === "event_overall_ranking" ? liveRcIdOf(params.get("id")) : null,
    classes: tables.map(classTable)
  }
}

/** Parses `/results/?p=event_overall_ranking&id=EVENT`. */
export const parseOverallRanking = (html: string, url: string): Effect.Effect<OverallRanking, LiveRcParseError> =>
  runParser("overall-ranking", url, OverallRanking, () => extract(html, url))
