import type { Cheerio, CheerioAPI } from "cheerio"
import type { Element } from "domhandler"
import type { Effect } from "effect"
import { parseLapTime } from "./LapTime.ts"
import type { LiveRcParseError } from "./LiveRcParseError.ts"
import { Lap, RaceResult, RaceResultRow } from "./models/RaceResult.ts"
import {
  collapse,
  integerOf,
  liveRcIdOf,
  loadPage,
  mismatch,
  nonBlank,
  ownText,
  pageOf,
  queryParams,
  runParser,
  textOf
} from "./PageParsing.ts"
import { hasLineTerminator, matchesAsciiAt, skipSpace } from "./TextScan.ts"
import { type RacerLaps, readRacerLaps } from "./RacerLapsScript.ts"

/**
 * A race result page: the `table.race_result` rows joined with the `racerLaps` script. The table
 * says who finished where; the script holds the laps and the ids of drivers whose row has no
 * "View Laps" link (non-starters).
 */

interface Columns {
  readonly position: number
  readonly driver: number
  readonly qual: number
  readonly lapsTime: number
  readonly fastest: number
  readonly avgLap: number
  readonly consistency: number
}

/** Where LiveRC puts them when no header row says otherwise. */
const DEFAULT_COLUMNS: Columns = {
  position: 0,
  driver: 1,
  qual: 2,
  lapsTime: 3,
  fastest: 5,
  avgLap: 6,
  consistency: 12
}

const headerCells = ($: CheerioAPI, table: Cheerio<Element>): ReadonlyArray<string> | null => {
  for (const row of table.find("tr").toArray()) {
    const cells = $(row).children("th")
    if (cells.length >= 3 && textOf(cells.first()).toLowerCase() === "pos") {
      return cells.toArray().map((cell) => textOf($(cell)).toLowerCase())
    }
  }
  return null
}

const columnsOf = (labels: ReadonlyArray<string> | null): Columns => {
  if (labels === null) return DEFAULT_COLUMNS
  const find = (test: (label: string) => boolean, fallback: number) => {
    const index = labels.findIndex(test)
    return index === -1 ? fallback : index
  }
  return {
    position: 0,
    driver: find((l) => l.startsWith("driver"), DEFAULT_COLUMNS.driver),
    qual: find((l) => l.startsWith("qual"), DEFAULT_COLUMNS.qual),
    lapsTime: find((l) => l.startsWith("laps"), DEFAULT_COLUMNS.lapsTime),
    fastest: find((l) => l.startsWith("fastest"), DEFAULT_COLUMNS.fastest),
    avgLap: find((l) => l === "avg lap" || l === "average lap", DEFAULT_COLUMNS.avgLap),
    consistency: find((l) => l.startsWith("consistency"), DEFAULT_COLUMNS.consistency)
  }
}

/** `table.race_result`, else a table whose header row starts with Pos and that lists drivers. */
const findTable = ($: CheerioAPI): Cheerio<Element> => {
  const classed = $("table.race_result").first()
  if (classed.length > 0) return classed
  for (const table of $("table").toArray()) {
    const candidate = $(table)
    if (headerCells($, candidate) !== null && candidate.find("span.driver_name").length > 0) return candidate
  }
  return mismatch("no race result table (table.race_result or a Pos/Driver table)")
}

const QUAL_PREFIX = /^\d+\s+(?=\S)/
const LAPS_TIME = /^(\d{1,6})(?:\s*\/\s*(\S+))?$/

const cellText = ($: CheerioAPI, cells: ReadonlyArray<Element>, index: number): string => {
  const cell = cells[index]
  return cell === undefined ? "" : textOf($(cell))
}

const timeOf = (text: string, what: string, driver: string): number | null => {
  const ms = parseLapTime(text)
  return ms === undefined ? mismatch(`${what} of ${driver} is not a time: ${JSON.stringify(text.slice(0, 40))}`) : ms
}

/** `37.234<sup>10</sup>`: the value is the text outside the superscript, the lap number inside it. */
const fastestOf = ($: CheerioAPI, cell: Element | undefined, driver: string) => {
  if (cell === undefined) return { ms: null, lap: null }
  const sup = $(cell).find("sup")
  return { ms: timeOf(ownText(cell), "fastest lap", driver), lap: integerOf(textOf(sup)) }
}

/** The Avg Lap cell holds the sortable value in a `div.hidden` next to the display text. */
const avgOf = ($: CheerioAPI, cell: Element | undefined, driver: string): number | null => {
  if (cell === undefined) return null
  const node = $(cell)
  const hidden = node.find("div.hidden")
  return timeOf(hidden.length > 0 ? textOf(hidden) : textOf(node), "average lap", driver)
}

const PERCENT = /^(\d{1,3}(?:\.\d+)?)\s*%?$/

/** `92.82%` -> 92.82; a value outside 0-100 is not a consistency and is dropped. */
const percentOf = (text: string): number | null => {
  const match = PERCENT.exec(text)
  if (match === null) return null
  const value = Number(match[1])
  return value <= 100 ? value : null
}

const lapsOf = (entry: RacerLaps | undefined, driver: string): ReadonlyArray<typeof Lap.Encoded> => {
  if (entry === undefined) return []
  const laps: Array<typeof Lap.Encoded> = []
  let previous = 0
  for (const raw of entry.laps) {
    const lap = integerOf(raw.lapNum)
    if (lap === null) mismatch(`racerLaps of ${driver} has a lap number ${JSON.stringify(raw.lapNum.slice(0, 20))}`)
    // Lap 0 is the start line, not a lap.
    if (lap === 0) continue
    if (lap <= previous) mismatch(`racerLaps of ${driver} lists lap ${lap} after lap ${previous}`)
    previous = lap
    const timeMs = parseLapTime(raw.time)
    if (timeMs === null || timeMs === undefined) {
      mismatch(`racerLaps of ${driver} has lap ${lap} with time ${JSON.stringify(raw.time.slice(0, 20))}`)
    }
    laps.push({ lap, position: integerOf(raw.pos), timeMs })
  }
  return laps
}

/** Drivers by upper-cased name, for rows without `data-driver-id`; namesakes are left unresolved. */
const namesOf = (drivers: ReadonlyMap<string, RacerLaps>): ReadonlyMap<string, ReadonlyArray<string>> => {
  const byName = new Map<string, Array<string>>()
  for (const entry of drivers.values()) {
    if (entry.driverName === null) continue
    const key = collapse(entry.driverName).toUpperCase()
    const ids = byName.get(key)
    if (ids === undefined) byName.set(key, [entry.driverId])
    else ids.push(entry.driverId)
  }
  return byName
}

const racerLapsOf = ($: CheerioAPI): ReadonlyMap<string, RacerLaps> => {
  let script = ""
  for (const element of $("script").toArray()) {
    const text = $(element).text()
    if (text.includes("racerLaps")) script += text + "\n"
  }
  const read = readRacerLaps(script)
  return read.ok ? read.drivers : mismatch(read.reason)
}

/** A results row as the table has it, before ids are recovered from racerLaps by name. */
interface TableRow {
  readonly cells: ReadonlyArray<Element>
  readonly position: number | null
  readonly driverName: string
  readonly carNumber: string | null
  readonly linkedId: string | null
}

const tableRows = ($: CheerioAPI, table: Cheerio<Element>, columns: Columns): ReadonlyArray<TableRow> => {
  const rows: Array<TableRow> = []
  const body = table.children("tbody")
  for (const row of (body.length > 0 ? body.children("tr") : table.find("tr")).toArray()) {
    const cells = $(row).children("td").toArray()
    // Header rows have no td; DataTables' "no data" placeholder is a single spanning cell.
    if (cells.length < 2) continue
    const driverCell = $(cells[columns.driver] ?? cells[1]!)
    const nameSpan = driverCell.find("span.driver_name").first()
    if (nameSpan.length === 0) mismatch(`row ${rows.length + 1} has no driver name (span.driver_name)`)
    rows.push({
      cells,
      position: integerOf(cellText($, cells, columns.position)),
      driverName: textOf(nameSpan).replace(QUAL_PREFIX, ""),
      carNumber: nonBlank(textOf(driverCell.find("span.car_num").first())),
      // Non-starters have no "View Laps" link, so no id here.
      linkedId: liveRcIdOf(driverCell.find("[data-driver-id]").first().attr("data-driver-id")?.trim())
    })
  }
  return rows
}

/** What `/^Round:\s*(.*)$/i` captures, in one pass (its `\s*` and `.*` overlap on spaces). */
export const afterRound = (text: string): string | null => {
  if (!matchesAsciiAt(text, 0, "round:")) return null
  const rest = skipSpace(text, 6)
  return hasLineTerminator(text, rest) ? null : text.slice(rest)
}

const extract = (html: string, url: string): typeof RaceResult.Encoded => {
  const $ = loadPage(html)
  const table = findTable($)
  const columns = columnsOf(headerCells($, table))
  const racerLaps = racerLapsOf($)

  const className = textOf(table.find("span.class_header").first())
  if (className === "") mismatch("no class header (span.class_header)")
  const raceNumber = integerOf(textOf(table.find("div.race_num").first()))
  let round: string | null = null
  for (const sub of table.find("span.class_sub_header").toArray()) {
    const match = afterRound(textOf($(sub)))
    if (match !== null) {
      round = nonBlank(match.trim())
      break
    }
  }

  const rows = tableRows($, table, columns)
  const byName = namesOf(racerLaps)
  const linkedIds = new Set(rows.flatMap((row) => (row.linkedId === null ? [] : [row.linkedId])))
  const recoverId = (driverName: string): string | null => {
    const candidates = (byName.get(driverName.toUpperCase()) ?? []).filter((id) => !linkedIds.has(id))
    return candidates.length === 1 ? liveRcIdOf(candidates[0]) : null
  }

  const results = rows.map((row): typeof RaceResultRow.Encoded => {
    const { cells, driverName } = row
    const sourceDriverId = row.linkedId ?? recoverId(driverName)
    const lapsTimeText = cellText($, cells, columns.lapsTime)
    const lapsTime = LAPS_TIME.exec(lapsTimeText)
    if (lapsTime === null && lapsTimeText !== "") {
      mismatch(`laps/time of ${driverName} is ${JSON.stringify(lapsTimeText.slice(0, 40))}`)
    }
    const lapsCompleted = lapsTime === null ? 0 : Number(lapsTime[1])
    const base = {
      position: row.position,
      driverName,
      sourceDriverId,
      carNumber: row.carNumber,
      qualPosition: integerOf(cellText($, cells, columns.qual)),
      lapsCompleted
    }
    if (lapsCompleted === 0) {
      const none = { totalTimeMs: null, fastLapMs: null, fastLapNumber: null, avgLapMs: null, consistencyPct: null }
      return { ...base, ...none, laps: [] }
    }
    const entry = sourceDriverId === null ? undefined : racerLaps.get(sourceDriverId)
    const fastest = fastestOf($, cells[columns.fastest], driverName)
    const scriptFastest = entry?.fastLap ?? null
    return {
      ...base,
      totalTimeMs: lapsTime?.[2] === undefined ? null : timeOf(lapsTime[2], "total time", driverName),
      // A blank Fastest cell with a value in the script: the script is the same race's data.
      fastLapMs: fastest.ms ?? (scriptFastest === null ? null : timeOf(scriptFastest, "fastest lap", driverName)),
      fastLapNumber: fastest.lap,
      avgLapMs: avgOf($, cells[columns.avgLap], driverName),
      consistencyPct: percentOf(cellText($, cells, columns.consistency)),
      laps: lapsOf(entry, driverName)
    }
  })

  const params = queryParams(url)
  const raceId = pageOf(params) === "view_race_result" ? liveRcIdOf(params.get("id")) : null
  return {
    ...(raceId === null ? {} : { raceId }),
    raceNumber,
    className,
    round,
    results
  }
}

/** Parses `/results/?p=view_race_result&id=N`. */
export const parseRaceResult = (html: string, url: string): Effect.Effect<RaceResult, LiveRcParseError> =>
  runParser("race-result", url, RaceResult, () => extract(html, url))
