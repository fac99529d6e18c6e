import type { CheerioAPI } from "cheerio"
import type { AnyNode, Element, Text } from "domhandler"
import { parseLapTime } from "./LapTime.ts"
import { collapse, integerOf, linesOf, liveRcIdOf, mismatch, nonBlank, pageOf, queryParams } from "./PageParsing.ts"

/**
 * What the event's standings pages (multi-main, qualifying points, round ranking, overall ranking)
 * share: LiveRC draws each as one or more plain tables, a title row or two in the head (class
 * header, tie breaker) above a row of column labels, then one row per driver. Everything here
 * walks the tree directly and visits each node a bounded number of times, so cost stays linear
 * in the page, and reads text with string operations rather than regular expressions.
 */

const isTag = (node: AnyNode): node is Element => (node as { readonly type: string }).type === "tag"

const classTokens = (element: Element): ReadonlyArray<string> => {
  const value = element.attribs["class"]
  return value === undefined || value === "" ? [] : value.split(/\s+/)
}

export const hasClass = (element: Element, token: string): boolean => classTokens(element).includes(token)

/** The table's own rows, directly or under thead/tbody/tfoot; never those of a nested table. */
const ownRows = (table: Element): ReadonlyArray<Element> => {
  const rows: Array<Element> = []
  for (const child of table.children) {
    if (!isTag(child)) continue
    if (child.name === "tr") rows.push(child)
    else if (child.name === "thead" || child.name === "tbody" || child.name === "tfoot") {
      for (const row of child.children) if (isTag(row) && row.name === "tr") rows.push(row)
    }
  }
  return rows
}

const cellsOf = (row: Element, name: "td" | "th"): ReadonlyArray<Element> =>
  row.children.filter((child): child is Element => isTag(child) && child.name === name)

/** Elements whose text is never what a cell shows: sort keys, superscript lap numbers, scripts. */
const isHiddenText = (element: Element, dropCarNumber: boolean): boolean =>
  element.name === "sup" || element.name === "script" || element.name === "style" ||
  hasClass(element, "hidden") || (dropCarNumber && hasClass(element, "car_num"))

/**
 * A cell's visible text: without `div.hidden` sort keys (`<div class="hidden">0020/9999</div>`) and
 * without `<sup>` lap numbers (the old service read `37.234<sup>10</sup>` as 37.23410).
 */
export const cellText = (cell: Element, dropCarNumber = false): string => {
  let text = ""
  const pending: Array<AnyNode> = [...cell.children].reverse()
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    const type = (node as { readonly type: string }).type
    if (type === "text") text += (node as Text).data
    else if (isTag(node)) {
      if (node.name === "br") text += " "
      else if (!isHiddenText(node, dropCarNumber)) {
        for (let i = node.children.length - 1; i >= 0; i--) pending.push(node.children[i]!)
      }
    }
  }
  return collapse(text)
}

/** The first descendant carrying the class token, depth first. */
export const findByClass = (root: Element, token: string): Element | null => {
  const pending: Array<AnyNode> = [...root.children].reverse()
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    if (!isTag(node)) continue
    if (hasClass(node, token)) return node
    for (let i = node.children.length - 1; i >= 0; i--) pending.push(node.children[i]!)
  }
  return null
}

const findAllByClass = (root: Element, token: string): ReadonlyArray<Element> => {
  const found: Array<Element> = []
  const pending: Array<AnyNode> = [...root.children].reverse()
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    if (!isTag(node)) continue
    if (hasClass(node, token)) {
      found.push(node)
      continue
    }
    for (let i = node.children.length - 1; i >= 0; i--) pending.push(node.children[i]!)
  }
  return found
}

/** Class names as LiveRC's other pages write them: NFKC, single spaces. */
export const classNameOf = (text: string): string => collapse(text.normalize("NFKC"))

export interface StandingsTable {
  readonly element: Element
  /** Head rows above the column labels: the class header, tie breaker and completion notes. */
  readonly titleRows: ReadonlyArray<Element>
  /** Lower-cased labels of the column row, or null when the table has none. */
  readonly columns: ReadonlyArray<string> | null
  /** The same labels as printed (main names such as `A1`). */
  readonly labels: ReadonlyArray<string> | null
  /** Rows with data cells, in page order. */
  readonly rows: ReadonlyArray<ReadonlyArray<Element>>
}

/**
 * A table as title rows, column labels and data rows. The column row is the first all-`th` row
 * that has a `Driver` label; all-`th` rows above it (or every one, when there is no column row)
 * are title rows.
 */
export const standingsTable = (table: Element): StandingsTable => {
  const headRows: Array<Element> = []
  const rows: Array<ReadonlyArray<Element>> = []
  let labels: ReadonlyArray<string> | null = null
  for (const row of ownRows(table)) {
    const data = cellsOf(row, "td")
    if (data.length > 0) {
      rows.push(data)
      continue
    }
    const heads = cellsOf(row, "th")
    if (heads.length === 0) continue
    if (labels === null) {
      const texts = heads.map((cell) => cellText(cell))
      if (texts.some((text) => text.toLowerCase().startsWith("driver"))) {
        labels = texts
        continue
      }
      headRows.push(row)
    }
  }
  return {
    element: table,
    titleRows: headRows,
    columns: labels === null ? null : labels.map((label) => label.toLowerCase()),
    labels,
    rows
  }
}

/** Every table of the page, read as standings tables, in page order. */
export const standingsTables = ($: CheerioAPI): ReadonlyArray<StandingsTable> =>
  $("table").toArray().map(standingsTable)

/** The index of the first column whose label passes, or -1. */
export const columnOf = (table: StandingsTable, test: (label: string) => boolean): number =>
  table.columns === null ? -1 : table.columns.findIndex(test)

/** The `.class_header` text of the title rows; empty when there is none. */
export const classHeaderOf = (table: StandingsTable): string => {
  for (const row of table.titleRows) {
    const header = findByClass(row, "class_header")
    if (header !== null) return classNameOf(cellText(header))
  }
  return ""
}

/** The lines of every `.class_sub_header` in the title rows (`Tie Breaker: ...`, `Completed: ...`). */
export const subHeaderLines = ($: CheerioAPI, table: StandingsTable): ReadonlyArray<string> =>
  table.titleRows.flatMap((row) => findAllByClass(row, "class_sub_header").flatMap((sub) => linesOf($(sub))))

/** `Tie Breaker: Best Finish` -> `Best Finish` (a `Completed:` note run on after it is cut off). */
export const tieBreakerOf = (lines: ReadonlyArray<string>): string | null => {
  for (const line of lines) {
    const at = line.toLowerCase().indexOf("tie breaker:")
    if (at === -1) continue
    const rest = line.slice(at + "tie breaker:".length)
    const completed = rest.toLowerCase().indexOf("completed:")
    return nonBlank(collapse(completed === -1 ? rest : rest.slice(0, completed)))
  }
  return null
}

/** `Completed: 2 of 3` -> { completed: 2, total: 3 }, anywhere in the lines. */
export const completionOf = (lines: ReadonlyArray<string>): { readonly completed: number; readonly total: number } | null => {
  for (const line of lines) {
    const at = line.toLowerCase().indexOf("completed:")
    if (at === -1) continue
    const words = collapse(line.slice(at + "completed:".length)).split(" ")
    const completed = integerOf(words[0] ?? "")
    const total = integerOf(words[2] ?? "")
    if (completed !== null && total !== null && words[1]?.toLowerCase() === "of") return { completed, total }
  }
  return null
}

/** The page's panel heading (`Qualifier Round 1 Rankings`), or null. */
export const panelTitleOf = ($: CheerioAPI): string | null => {
  const heading = $(".panel-heading").first()
  return heading.length === 0 ? null : nonBlank(cellText(heading[0]!))
}

export interface DriverCell {
  readonly driverName: string
  readonly sourceDriverId: string | null
  readonly carNumber: string | null
}

const attributeIn = (root: Element, name: string): string | undefined => {
  if (root.attribs[name] !== undefined) return root.attribs[name]
  const pending: Array<AnyNode> = [...root.children]
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    if (!isTag(node)) continue
    if (node.attribs[name] !== undefined) return node.attribs[name]
    for (const child of node.children) pending.push(child)
  }
  return undefined
}

/**
 * The driver cell: `span.driver_name` when LiveRC marks it (as on race pages), else the cell's
 * visible text less any `span.car_num`. Blank is a page that does not fit.
 */
export const driverOf = (cell: Element | undefined, row: number): DriverCell => {
  if (cell === undefined) return mismatch(`row ${row} has no driver cell`)
  const nameSpan = findByClass(cell, "driver_name")
  const driverName = nameSpan === null ? cellText(cell, true) : cellText(nameSpan)
  if (driverName === "") mismatch(`row ${row} has no driver name`)
  const carSpan = findByClass(cell, "car_num")
  return {
    driverName,
    sourceDriverId: liveRcIdOf(attributeIn(cell, "data-driver-id")?.trim()),
    carNumber: carSpan === null ? null : nonBlank(cellText(carSpan))
  }
}

/** The id of the first link in the cell to a page of the given `p=`, or null. */
export const linkedIdOf = (cell: Element | undefined, page: string): string | null => {
  if (cell === undefined) return null
  const pending: Array<AnyNode> = [...cell.children]
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    if (!isTag(node)) continue
    const href = node.name === "a" ? node.attribs["href"] : undefined
    if (href !== undefined) {
      const params = queryParams(href)
      if (pageOf(params) === page) return liveRcIdOf(params.get("id"))
    }
    for (const child of node.children) pending.push(child)
  }
  return null
}

const isDigit = (code: number) => code >= 48 && code <= 57

/** The number a text starts with (`14`, `1st`, `3.`), or null; `1/8` and `12:30` are not positions. */
export const leadingInteger = (text: string): number | null => {
  let end = 0
  while (end < text.length && end < 12 && isDigit(text.charCodeAt(end))) end++
  if (end === 0) return null
  const next = text.charAt(end)
  if (next === "/" || next === ":" || (end < text.length && isDigit(text.charCodeAt(end)))) return null
  return Number(text.slice(0, end))
}

/** `16/10:01.133` -> 16 laps in 601133 ms; anything else is null. */
export const lapsTimeOf = (text: string): { readonly laps: number; readonly totalTimeMs: number } | null => {
  const slash = text.indexOf("/")
  if (slash === -1) return null
  const laps = integerOf(text.slice(0, slash))
  const totalTimeMs = parseLapTime(text.slice(slash + 1))
  return laps === null || totalTimeMs === null || totalTimeMs === undefined ? null : { laps, totalTimeMs }
}

/** A bare time (`1:51.828`) in ms, or null. */
export const timeOf = (text: string): number | null => {
  const ms = parseLapTime(text)
  return ms === undefined ? null : ms
}

/** Dashes stand for "nothing" in LiveRC's tables. */
export const isBlankMark = (text: string): boolean =>
  text === "" || text === "-" || text === "\u2013" || text === "\u2014"

/** Page furniture a label search must not reach past: the panel and page titles, navigation. */
const isFurniture = (element: Element): boolean =>
  element.name === "nav" || element.name === "h1" || hasClass(element, "panel-heading") ||
  hasClass(element, "page-header") || hasClass(element, "page-breadcrumb")

/**
 * Walks back from the table through preceding elements and returns the first short text that
 * passes `accept`, for labels LiveRC puts above a table rather than in it. When the siblings run
 * out it climbs to the parent (a `div.table-responsive` wrapper), at most `levels` times. Stops at
 * another table, so a class never takes its neighbour's name, and at the panel or page title;
 * looks at no more than `hops` elements and reads at most `limit` characters of each.
 */
export const precedingLabel = (
  table: Element,
  accept: (text: string) => boolean,
  { hops = 5, levels = 2, limit = 120 } = {}
): string | null => {
  let node: Element | null = table
  let seen = 0
  for (let level = 0; node !== null && level <= levels && seen < hops; level++) {
    let sibling: AnyNode | null = node.prev
    while (sibling !== null && seen < hops) {
      if (isTag(sibling)) {
        seen++
        if (isFurniture(sibling)) return null
        const read = boundedText(sibling, limit)
        if (read.barrier) return null
        if (read.text !== null && read.text !== "" && accept(read.text)) return read.text
      } else if ((sibling as { readonly type: string }).type === "text") {
        const data = (sibling as Text).data
        const text = data.length > limit * 4 ? "" : collapse(data)
        if (text !== "" && text.length <= limit && accept(text)) return text
      }
      sibling = sibling.prev
    }
    const parent: AnyNode | null = node.parent
    node = parent !== null && isTag(parent) && parent.name !== "body" && !hasClass(parent, "panel") ? parent : null
  }
  return null
}

/**
 * An element's text, or null past `limit` characters; `barrier` when it is or holds a table, or is
 * too big to be a label (2000 nodes), so the walk back stops there.
 */
const boundedText = (element: Element, limit: number): { readonly text: string | null; readonly barrier: boolean } => {
  if (element.name === "table") return { text: null, barrier: true }
  let text = ""
  let nodes = 0
  const pending: Array<AnyNode> = [...element.children].reverse()
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    if (++nodes > 2000) return { text: null, barrier: true }
    if ((node as { readonly type: string }).type === "text") {
      if (text.length <= limit * 4) text += (node as Text).data.slice(0, limit * 4 + 1)
    } else if (isTag(node)) {
      if (node.name === "table") return { text: null, barrier: true }
      if (isHiddenText(node, false)) continue
      if (node.name === "br") text += " "
      for (let i = node.children.length - 1; i >= 0; i--) pending.push(node.children[i]!)
    }
  }
  const collapsed = collapse(text)
  return { text: collapsed.length > limit ? null : collapsed, barrier: false }
}
