import type { CheerioAPI } from "cheerio"
import type { Effect } from "effect"
import type { LiveRcParseError } from "./LiveRcParseError.ts"
import { MultiMainEntry, MultiMainResult, MultiMainRun } from "./models/MultiMainResult.ts"
import { collapse, integerOf, liveRcIdOf, loadPage, mismatch, pageOf, queryParams, runParser } from "./PageParsing.ts"
import {
  cellText,
  classHeaderOf,
  classNameOf,
  columnOf,
  completionOf,
  driverOf,
  hasClass,
  lapsTimeOf,
  panelTitleOf,
  type StandingsTable,
  standingsTable,
  subHeaderLines,
  tieBreakerOf
} from "./StandingsTables.ts"

/**
 * A multi-main result (`?p=view_multi_main_result&id=N`): the overall order of a double or triple
 * main. One `table.multi_main`; its head holds the class header and `Tie Breaker:` / `Completed:`
 * notes, then `Pos | Seeded | Driver | Points | A1 | A2 | A3`; each main cell reads
 * `1st (1pts) : 16/10:01.133` (place, points for it, laps/time).
 */

const MAIN_WORDS = new Set(["double", "triple", "quad", "quadruple"])

const isMainToken = (token: string): boolean => {
  const lower = token.toLowerCase()
  // `A-Main`, `A-Mains`, `AMain`: one or two letters before "main".
  for (const suffix of ["-mains", "-main", "mains", "main"]) {
    if (lower.endsWith(suffix)) {
      const letters = lower.slice(0, lower.length - suffix.length)
      return letters.length >= 1 && letters.length <= 2 && [...letters].every((c) => c >= "a" && c <= "z")
    }
  }
  return false
}

/** `1/8 Electric Buggy Triple A-Main` -> `1/8 Electric Buggy`; a header without one stays whole. */
export const classOfLabel = (label: string): string => {
  const words = label.split(" ")
  let end = words.length
  const last = words[end - 1] ?? ""
  const before = words[end - 2] ?? ""
  if (isMainToken(last)) end -= 1
  else if (/^mains?$/i.test(last) && /^[a-z]{1,2}$/i.test(before)) end -= 2
  else return label
  if (end > 0 && MAIN_WORDS.has((words[end - 1] ?? "").toLowerCase())) end -= 1
  return end === 0 ? label : words.slice(0, end).join(" ")
}

const findTable = ($: CheerioAPI): StandingsTable => {
  const tables = $("table").toArray()
  const table = tables.find((element) => hasClass(element, "multi_main")) ??
    tables.find((element) => (element.attribs["class"] ?? "").includes("multi_main"))
  return table === undefined ? mismatch("no multi-main table (table.multi_main)") : standingsTable(table)
}

const ordinalOf = (text: string): number | null => {
  const lower = text.toLowerCase()
  const bare = ["st", "nd", "rd", "th"].some((suffix) => lower.endsWith(suffix)) ? text.slice(0, -2) : text
  return integerOf(bare)
}

const pointsOf = (text: string): number | null => {
  const lower = text.toLowerCase()
  for (const suffix of ["points", "pts", "pt"]) {
    if (lower.endsWith(suffix)) return integerOf(text.slice(0, -suffix.length))
  }
  return integerOf(text)
}

/**
 * `1st (1pts) : 16/10:01.133` -> place 1, 1 point, 16 laps in 10:01.133. A cell in another form
 * (`DNS`) keeps its text with the numbers it lacks as null; a blank cell is a main not yet run.
 */
export const mainRunOf = (main: string, text: string): typeof MultiMainRun.Encoded | null => {
  if (text === "") return null
  let position: number | null = null
  let points: number | null = null
  let rest = ""
  const open = text.indexOf("(")
  const close = open === -1 ? -1 : text.indexOf(")", open)
  if (close !== -1) {
    position = ordinalOf(collapse(text.slice(0, open)))
    points = pointsOf(collapse(text.slice(open + 1, close)))
    rest = text.slice(close + 1)
  }
  let value: string | null = null
  if (close !== -1) {
    const after = collapse(rest)
    if (after.startsWith(":")) value = after.slice(1)
  } else {
    const separator = text.indexOf(" : ")
    if (separator !== -1) value = text.slice(separator + 3)
  }
  const lapsTime = value === null ? null : lapsTimeOf(collapse(value))
  return {
    main,
    position,
    points,
    laps: lapsTime?.laps ?? null,
    totalTimeMs: lapsTime?.totalTimeMs ?? null,
    result: text
  }
}

const KNOWN_COLUMNS = ["pos", "#", "seeded", "seed", "driver", "points", "pts", "car", "brand", "country"]

const extract = (html: string, url: string): typeof MultiMainResult.Encoded => {
  const $ = loadPage(html)
  const table = findTable($)
  if (table.columns === null || table.labels === null) mismatch("the multi-main table has no column row (Driver)")

  let label = classHeaderOf(table)
  if (label === "") {
    // No class header in the table: the panel heading says `<class> Results`.
    const title = panelTitleOf($) ?? ""
    label = classNameOf(title.toLowerCase().endsWith(" results") ? title.slice(0, -" results".length) : title)
  }
  if (label === "") mismatch("no class header (.class_header) for the multi-main table")

  const lines = subHeaderLines($, table)
  const completion = completionOf(lines)

  const driver = columnOf(table, (l) => l.startsWith("driver"))
  const positionColumn = columnOf(table, (l) => l === "pos" || l === "#" || l === "position")
  const seeded = columnOf(table, (l) => l.startsWith("seed"))
  const points = columnOf(table, (l) => l === "points" || l === "pts")
  const mainColumns = table.columns.flatMap((column, index) =>
    index > driver && column !== "" && !KNOWN_COLUMNS.some((known) => column.startsWith(known)) ? [index] : []
  )
  const mains = mainColumns.map((index) => table.labels![index]!)

  const entries = table.rows.flatMap((cells, i): ReadonlyArray<typeof MultiMainEntry.Encoded> => {
    // DataTables' "no data" placeholder is a single spanning cell.
    if (cells.length < 2) return []
    const text = (index: number) => (index === -1 || cells[index] === undefined ? "" : cellText(cells[index]))
    const who = driverOf(cells[driver], i + 1)
    return [{
      position: integerOf(text(positionColumn === -1 ? 0 : positionColumn)),
      seededPosition: integerOf(text(seeded)),
      ...who,
      points: integerOf(text(points)),
      mains: mainColumns.flatMap((index, m) => {
        const run = mainRunOf(mains[m]!, text(index))
        return run === null ? [] : [run]
      })
    }]
  })

  const params = queryParams(url)
  return {
    multiMainId: pageOf(params) === "view_multi_main_result" ? liveRcIdOf(params.get("id")) : null,
    className: classOfLabel(label),
    label,
    tieBreaker: tieBreakerOf(lines),
    completedMains: completion?.completed ?? null,
    totalMains: completion?.total ?? null,
    mains,
    entries
  }
}

/** Parses `/results/?p=view_multi_main_result&id=N`. */
export const parseMultiMainResult = (html: string, url: string): Effect.Effect<MultiMainResult, LiveRcParseError> =>
  runParser("multi-main", url, MultiMainResult, () => extract(html, url))
