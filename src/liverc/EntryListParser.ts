import type { Cheerio } from "cheerio"
import type { Element } from "domhandler"
import type { Effect } from "effect"
import type { LiveRcParseError } from "./LiveRcParseError.ts"
import { type Entry, EntryList } from "./models/EntryList.ts"
import { collapse, linesOf, loadPage, nonBlank, runParser, textOf } from "./PageParsing.ts"
import { hasLineTerminator, indexOfAscii, spaceRunStart } from "./TextScan.ts"

/**
 * An event's entry list (`?p=view_entry_list&id=EVENT`): one table per class, in tab panes named
 * by the nav pills above them. No sample page was captured; this follows the structure the old
 * service's parser and tests describe (class header `div.class_header` in the first head row,
 * rows `#`, driver, transponder).
 */

/** Class names as LiveRC's other pages write them: NFKC, single spaces. */
const className = (text: string): string => collapse(text.normalize("NFKC"))

const classOf = (table: Cheerio<Element>): string => {
  const firstHeadRow = table.find("thead tr").first()
  const header = firstHeadRow.find(".class_header").first()
  if (header.length > 0) return className(textOf(header))
  // Older layout: `<th colspan="3">1/8 Electric Buggy Entries: 2</th>`.
  const legacy = textOf(firstHeadRow.children("th").first())
  const prefix = beforeEntries(legacy)
  return prefix === null ? "" : className(prefix)
}

/** What `/^(.*?)\s*Entries:/i` captures, in one pass: the text before the first `Entries:`. */
export const beforeEntries = (text: string): string | null => {
  const at = indexOfAscii(text, "entries:")
  if (at === -1) return null
  const end = spaceRunStart(text, at)
  return hasLineTerminator(text, 0, end) ? null : text.slice(0, end)
}

const TAB_ID = /_tab_(\d+)$/

/**
 * Some events (RCRA Nationals) add session tabs whose ids start a second, distant range after the
 * registration classes'. Exactly two clusters of at least two tabs each (a gap > 500 splits them)
 * means the second is sessions, not classes; anything else is left alone.
 */
export const registrationTabs = (tabIds: ReadonlyArray<number>): ReadonlySet<number> | null => {
  const sorted = [...new Set(tabIds)].sort((a, b) => a - b)
  const clusters: Array<Array<number>> = []
  for (const id of sorted) {
    const last = clusters[clusters.length - 1]
    if (last !== undefined && id - last[last.length - 1]! <= 500) last.push(id)
    else clusters.push([id])
  }
  const [first, second] = clusters
  if (clusters.length !== 2 || first!.length < 2 || second!.length < 2) return null
  return new Set(first)
}

/** The driver cell: sort keys in `span.hidden` dropped, the first line of what is left. */
const driverOf = (cell: Cheerio<Element>): string => {
  const copy = cell.clone()
  copy.find("span.hidden").remove()
  return linesOf(copy)[0] ?? ""
}

const extract = (html: string): typeof EntryList.Encoded => {
  const $ = loadPage(html)
  const navTabIds = $("ul.nav.nav-pills li a[href]").toArray().flatMap((anchor) => {
    const match = TAB_ID.exec(anchor.attribs["href"] ?? "")
    return match === null ? [] : [Number(match[1])]
  })
  const keepTabs = registrationTabs(navTabIds)

  const classes = new Map<string, Array<typeof Entry.Encoded>>()
  for (const element of $("table").toArray()) {
    const table = $(element)
    const name = classOf(table)
    if (name === "") continue
    if (keepTabs !== null) {
      const pane = TAB_ID.exec(table.closest(".tab-pane").attr("id") ?? "")
      if (pane !== null && !keepTabs.has(Number(pane[1]))) continue
    }
    const entries = classes.get(name) ?? []
    classes.set(name, entries)
    const body = table.children("tbody").length > 0 ? table.children("tbody") : table
    for (const row of body.children("tr").toArray()) {
      const cells = $(row).children("td")
      if (cells.length < 2) continue
      const driverName = driverOf(cells.eq(1))
      if (driverName === "") continue
      entries.push({
        carNumber: nonBlank(textOf(cells.eq(0))),
        driverName,
        transponder: nonBlank(textOf(cells.eq(2)))
      })
    }
  }
  return { classes: [...classes].map(([name, entries]) => ({ className: name, entries })) }
}

/** Parses `/results/?p=view_entry_list&id=N`; a page without class tables is an empty list. */
export const parseEntryList = (html: string, url: string): Effect.Effect<EntryList, LiveRcParseError> =>
  runParser("entry-list", url, EntryList, () => extract(html))
