import type { CheerioAPI } from "cheerio"
import type { Effect } from "effect"
import type { LiveRcParseError } from "./LiveRcParseError.ts"
import { RoundRanking, type RoundRankingClass, type RoundRankingEntry } from "./models/RoundRanking.ts"
import { integerOf, liveRcIdOf, loadPage, mismatch, nonBlank, pageOf, queryParams, runParser } from "./PageParsing.ts"
import {
  cellText,
  classHeaderOf,
  classNameOf,
  columnOf,
  driverOf,
  hasClass,
  isBlankMark,
  lapsTimeOf,
  panelTitleOf,
  precedingLabel,
  type StandingsTable,
  standingsTables,
  timeOf
} from "./StandingsTables.ts"

/**
 * A round ranking (`?p=view_round_ranking&id=N[&o=laps_time|top_3_consecutive]`): the order of
 * every class after one qualifying round, one table per class. The class is named in the table's
 * head (`.class_header`) or just above it (a short heading); rows are position, driver and the
 * ranked value, `16/10:32.136` for laps/time or a time alone for consecutive-lap orders, sometimes
 * after a hidden sort key (`<div class="hidden">0020/9999</div>20/5:01.123`), `DNS` for a no-show.
 */

const isPosition = (label: string) => label === "pos" || label === "#" || label === "position"

/**
 * A table with Pos and Driver columns, or one LiveRC marks as a ranking without a column row:
 * `table.round_rankings`, or a class header over rows of at least position, driver and value.
 */
const isRankingTable = (table: StandingsTable): boolean =>
  table.columns !== null
    ? table.columns.some(isPosition)
    : hasClass(table.element, "round_rankings") ||
      (classHeaderOf(table) !== "" && table.rows.length > 0 && table.rows.every((cells) => cells.length >= 3))

const classOf = (table: StandingsTable): string | null => {
  const header = classHeaderOf(table)
  if (header !== "") return header
  const above = precedingLabel(table.element, (text) => !text.toLowerCase().includes("ranking"))
  return above === null ? null : nonBlank(classNameOf(above))
}

interface Columns {
  readonly position: number
  readonly driver: number
  readonly value: number
  readonly fastLap: number
}

const isFastLap = (label: string) => label.startsWith("fast") || label === "best lap"

/** By label when the table has a column row; else LiveRC's order: position, driver, value. */
const columnsOf = (table: StandingsTable): Columns => {
  if (table.columns === null) return { position: 0, driver: 1, value: 2, fastLap: -1 }
  const driver = columnOf(table, (l) => l.startsWith("driver"))
  const position = columnOf(table, isPosition)
  const fastLap = columnOf(table, isFastLap)
  // The ranked value: the first column after the driver that is not a fastest-lap column.
  const value = table.columns.findIndex((l, index) => index > driver && !isFastLap(l) && !l.startsWith("car"))
  return { position: position === -1 ? 0 : position, driver, value, fastLap }
}

const valueOf = (text: string) => {
  const lapsTime = lapsTimeOf(text)
  return {
    result: nonBlank(text),
    laps: lapsTime?.laps ?? null,
    totalTimeMs: lapsTime?.totalTimeMs ?? null,
    valueMs: lapsTime === null ? timeOf(text) : null
  }
}

const classTable = (table: StandingsTable): typeof RoundRankingClass.Encoded => {
  const columns = columnsOf(table)
  const entries = table.rows.flatMap((cells, i): ReadonlyArray<typeof RoundRankingEntry.Encoded> => {
    if (cells.length < 2) return []
    const text = (index: number) => (index === -1 || cells[index] === undefined ? "" : cellText(cells[index]))
    const fastLap = text(columns.fastLap)
    return [{
      position: integerOf(text(columns.position)),
      ...driverOf(cells[columns.driver], i + 1),
      ...valueOf(text(columns.value)),
      fastLapMs: isBlankMark(fastLap) ? null : timeOf(fastLap)
    }]
  })
  return { className: classOf(table), entries }
}

const extract = (html: string, url: string): typeof RoundRanking.Encoded => {
  const $: CheerioAPI = loadPage(html)
  const tables = standingsTables($).filter(isRankingTable)
  if (tables.length === 0) mismatch("no round ranking table (Pos and Driver columns, or a class header over ranked rows)")
  const params = queryParams(url)
  const isRanking = pageOf(params) === "view_round_ranking"
  const order = params.get("o")
  return {
    roundId: isRanking ? liveRcIdOf(params.get("id")) : null,
    order: isRanking && (order === "laps_time" || order === "top_3_consecutive") ? order : null,
    title: panelTitleOf($),
    classes: tables.map(classTable)
  }
}

/** Parses `/results/?p=view_round_ranking&id=N[&o=...]`. */
export const parseRoundRanking = (html: string, url: string): Effect.Effect<RoundRanking, LiveRcParseError> =>
  runParser("round-ranking", url, RoundRanking, () => extract(html, url))
