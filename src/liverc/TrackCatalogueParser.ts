import type { Effect } from "effect"
import { Parser } from "htmlparser2"
import type { LiveRcParseError } from "./LiveRcParseError.ts"
import { type CatalogueTrack, TrackCatalogue } from "./models/TrackCatalogue.ts"
import { collapse, HTMLPARSER2, isComplete, MAX_NESTING, mismatch, nonBlank, runParser, tooDeep } from "./PageParsing.ts"

/**
 * The catalogue at live.liverc.com: one `tr.clickable-row` per track, linking `//SLUG.liverc.com/`.
 * A row whose link is not a track site is skipped, so one odd row cannot hide the other thousand.
 *
 * Read in one streaming pass rather than through a cheerio document: the page grows with the
 * track count (about 400 bytes a track) and its tree with it, and a tree that size is promoted to
 * V8's old space and lingers there long after the sync stops needing it. The pass keeps only the
 * few strings a row yields and answers exactly what the selectors
 * `table.track_list tr.clickable-row`, the row's first `td a[href]`, that link's first `strong`
 * and the first `small small` of the row's first `td` answer on the same htmlparser2 tree.
 */

const TRACK_HOST = /^(?:https?:)?\/\/([a-z0-9][a-z0-9-]{0,62})\.liverc\.com(?::\d+)?(?:[/?#]|$)/i

/** Host names are case-insensitive; LiveRC lists at least one track as `//FastandFun....liverc.com/`. */
export const slugOfTrackHref = (href: string): string | null => {
  const match = TRACK_HOST.exec(href.trim())
  const slug = match?.[1]?.toLowerCase() ?? null
  return slug === null || slug === "live" || slug === "www" ? null : slug
}

const hasClass = (attributes: Record<string, string>, name: string): boolean =>
  (attributes["class"] ?? "").split(/[\t\n\f\r ]+/).includes(name)

/** Text gathered from an element that is open (`depth` is where it sits on the stack) or done. */
interface Capture {
  depth: number
  text: string
}

/**
 * A track name or activity line is a few dozen characters. Rows can nest (a hostile page), and an
 * outer row's capture then holds the text of every row inside it; the cap keeps the captured text
 * linear in the page, whatever the nesting.
 */
const CAPTURE_MAX = 8 * 1024

const append = (capture: Capture | null, text: string) => {
  if (capture !== null && capture.depth >= 0 && capture.text.length < CAPTURE_MAX) {
    capture.text += text.length > CAPTURE_MAX ? text.slice(0, CAPTURE_MAX) : text
  }
}

const close = (capture: Capture | null, depth: number) => {
  if (capture !== null && capture.depth === depth) capture.depth = -1
}

/** What one `tr.clickable-row` yields; filled while it is open, read once the page is done. */
interface Row {
  readonly depth: number
  href: string | null
  anchor: Capture | null
  strong: Capture | null
  /** Whether the row's first child `td` has been seen, and is `firstCellDepth` while open. */
  firstCellSeen: boolean
  firstCellDepth: number
  activity: Capture | null
}

/** An element still open, as the selectors' ancestry tests need it. */
interface Open {
  readonly name: string
  readonly trackList: boolean
}

const extract = (html: string): typeof TrackCatalogue.Encoded => {
  if (!isComplete(html)) mismatch("the page is incomplete (no closing </html>)")

  const rows: Array<Row> = []
  const openRows: Array<Row> = []
  const stack: Array<Open> = []
  let trackLists = 0
  /** Where each element name is open on the stack, deepest last: ancestry tests in O(1). */
  const openAt = new Map<string, Array<number>>()
  // Selectors run from an element match only inside it: `td a[href]` from a row wants the td in the row.
  const openBelow = (depth: number, name: string) => {
    const at = openAt.get(name)
    return at !== undefined && at.length > 0 && at[at.length - 1]! > depth
  }

  const parser = new Parser({
    onopentag(name, attributes) {
      const depth = stack.length
      // The stack is htmlparser2's own nesting: refused the moment it passes the limit, in this pass.
      if (depth >= MAX_NESTING) tooDeep()
      for (const row of openRows) {
        if (row.anchor === null && name === "a" && "href" in attributes && openBelow(row.depth, "td")) {
          row.href = attributes["href"] ?? ""
          row.anchor = { depth, text: "" }
        } else if (row.anchor !== null && row.anchor.depth >= 0 && row.strong === null && name === "strong") {
          row.strong = { depth, text: "" }
        }
        if (name === "td" && depth === row.depth + 1 && !row.firstCellSeen) {
          row.firstCellSeen = true
          row.firstCellDepth = depth
        } else if (
          row.firstCellDepth >= 0 && row.activity === null && name === "small" && openBelow(row.firstCellDepth, "small")
        ) {
          row.activity = { depth, text: "" }
        }
      }
      if (name === "tr" && trackLists > 0 && hasClass(attributes, "clickable-row")) {
        const row: Row = {
          depth,
          href: null,
          anchor: null,
          strong: null,
          firstCellSeen: false,
          firstCellDepth: -1,
          activity: null
        }
        rows.push(row)
        openRows.push(row)
      }
      const trackList = name === "table" && hasClass(attributes, "track_list")
      if (trackList) trackLists++
      stack.push({ name, trackList })
      const positions = openAt.get(name)
      if (positions === undefined) openAt.set(name, [depth])
      else positions.push(depth)
    },
    ontext(text) {
      for (const row of openRows) {
        append(row.anchor, text)
        append(row.strong, text)
        append(row.activity, text)
      }
    },
    onclosetag() {
      const closed = stack.pop()
      if (closed === undefined) return
      const depth = stack.length
      openAt.get(closed.name)?.pop()
      if (closed.trackList) trackLists--
      for (const row of openRows) {
        close(row.anchor, depth)
        close(row.strong, depth)
        close(row.activity, depth)
        if (row.firstCellDepth === depth) row.firstCellDepth = -1
      }
      if (openRows.length > 0 && openRows[openRows.length - 1]!.depth === depth) openRows.pop()
    }
  }, HTMLPARSER2)
  parser.write(html)
  parser.end()

  if (rows.length === 0) mismatch("no track rows (table.track_list tr.clickable-row)")
  const tracks: Array<typeof CatalogueTrack.Encoded> = []
  const seen = new Set<string>()
  for (const row of rows) {
    const slug = slugOfTrackHref(row.href ?? "")
    if (slug === null || seen.has(slug)) continue
    const name = collapse((row.strong ?? row.anchor)?.text ?? "")
    if (name === "") continue
    seen.add(slug)
    tracks.push({ slug, name, lastActivity: nonBlank(collapse(row.activity?.text ?? "")) })
  }
  if (tracks.length === 0) mismatch("no row links to a track site")
  return { tracks }
}

/** Parses the catalogue at `https://live.liverc.com/`. */
export const parseTrackCatalogue = (html: string, url: string): Effect.Effect<TrackCatalogue, LiveRcParseError> =>
  runParser("track-catalogue", url, TrackCatalogue, () => extract(html))
