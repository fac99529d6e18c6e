import { type Cheerio, type CheerioAPI, load } from "cheerio"
import type { AnyNode, Element, ParentNode, Text } from "domhandler"
import { Effect, Result, Schema } from "effect"
import { parseDocument } from "htmlparser2"
import type { PageKind } from "./LiveRcUrls.ts"
import { LiveRcParseError } from "./LiveRcParseError.ts"

/**
 * What every page parser shares: loading HTML, reading text and LiveRC's links, and the rule that
 * a parser either returns a value its Schema accepts or a LiveRcParseError, never a throw.
 */

/** Raised inside a parser's synchronous body when the page does not fit; never leaves `runParser`. */
class PageMismatch {
  readonly reason: string
  constructor(reason: string) {
    this.reason = reason
  }
}

// A function declaration, not an arrow: only those narrow types after a `never` call.
export function mismatch(reason: string): never {
  throw new PageMismatch(reason)
}

/**
 * htmlparser2 rather than parse5 behind cheerio: LiveRC's pages are plain server-rendered tables
 * with explicit `<tbody>`, so HTML5 tree repair buys nothing and costs about 7x the parse time.
 * The tree is parsed here, exactly as cheerio would with these options, so that cheerio holds the
 * tree rather than the page text (see `loadedTrees`).
 */
const HTMLPARSER2 = { xmlMode: false, decodeEntities: true } as const
const loadHtml = (html: string): CheerioAPI => load(parseDocument(html, HTMLPARSER2), { xml: HTMLPARSER2 })

/** Text with every whitespace run (line breaks of pretty-printed pages, `&nbsp;`) as one space. */
export const collapse = (text: string): string => text.replace(/\s+/g, " ").trim()

export const textOf = (node: Cheerio<AnyNode>): string => collapse(node.text())

/** The element's own text, without its children's (`37.234` of `37.234<sup>10</sup>`). */
export const ownText = (element: Element): string => {
  let text = ""
  for (const child of element.children) {
    if ((child as { readonly type: string }).type === "text") text += (child as Text).data
  }
  return collapse(text)
}

/** An element's text as lines: `<br>` breaks them, inline elements (`<abbr>P:</abbr>`) join them. */
export const linesOf = (node: Cheerio<AnyNode>): ReadonlyArray<string> => {
  const lines: Array<string> = []
  let current = ""
  const walk = (nodes: ReadonlyArray<AnyNode>) => {
    for (const child of nodes) {
      const type = (child as { readonly type: string }).type
      if (type === "text") current += (child as Text).data
      else if (type === "tag" && (child as Element).name === "br") {
        lines.push(collapse(current))
        current = ""
      } else if ("children" in child) walk(child.children as ReadonlyArray<AnyNode>)
    }
  }
  walk(node.contents().toArray())
  lines.push(collapse(current))
  return lines.filter((line) => line !== "")
}

/** Blank text is absent. */
export const nonBlank = (text: string): string | null => (text === "" ? null : text)

/** A LiveRC page that was cut short (a dropped connection, an injected fault) lacks `</html>`. */
export const isComplete = (html: string): boolean =>
  html.lastIndexOf("</html") !== -1 || html.lastIndexOf("</HTML") !== -1

const safeDecode = (value: string): string | null => {
  try {
    return decodeURIComponent(value.replace(/\+/g, " "))
  } catch {
    return null
  }
}

/**
 * The query parameters of an href or URL, decoded, so `p=view%5Frace%5Fresult` and
 * `p=view_race_result` read the same. Works on relative and protocol-relative hrefs alike.
 */
export const queryParams = (href: string): ReadonlyMap<string, string> => {
  const params = new Map<string, string>()
  const question = href.indexOf("?")
  if (question === -1) return params
  const hash = href.indexOf("#", question)
  const query = href.slice(question + 1, hash === -1 ? undefined : hash)
  for (const part of query.split("&")) {
    if (part === "") continue
    const equals = part.indexOf("=")
    const key = safeDecode(equals === -1 ? part : part.slice(0, equals))
    const value = safeDecode(equals === -1 ? "" : part.slice(equals + 1))
    if (key !== null && value !== null && !params.has(key.toLowerCase())) params.set(key.toLowerCase(), value)
  }
  return params
}

/** A LiveRC `?p=...` page name, lower-cased; `view%5Frace%5Fresult` is `view_race_result`. */
export const pageOf = (params: ReadonlyMap<string, string>): string | null => params.get("p")?.toLowerCase() ?? null

const LIVERC_ID = /^[1-9][0-9]{0,11}$/

/** An id LiveRcId accepts, or null: ids from links are checked before they reach a model. */
export const liveRcIdOf = (value: string | undefined): string | null =>
  value !== undefined && LIVERC_ID.test(value) ? value : null

const INTEGER = /^\d{1,12}$/

/** `4,129` -> 4129; anything that is not a whole number is null. */
export const integerOf = (text: string): number | null => {
  const value = (text.includes(",") ? text.replace(/,/g, "") : text).trim()
  return INTEGER.test(value) ? Number(value) : null
}

const MONTH_NAMES = [
  "january", "february", "march", "april", "may", "june",
  "july", "august", "september", "october", "november", "december"
]
/** `Nov`, `November` and `Sept` name a month; `Marvel` does not. */
const MONTHS: ReadonlyMap<string, number> = new Map([
  ...MONTH_NAMES.map((name, i) => [name, i + 1] as const),
  ...MONTH_NAMES.map((name, i) => [name.slice(0, 3), i + 1] as const),
  ["sept", 9] as const
])

const pad = (value: number) => String(value).padStart(2, "0")

const isCalendarDay = (year: number, month: number, day: number): boolean => {
  const date = new Date(Date.UTC(year, month - 1, day))
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day
}

/** `YYYY-MM-DD` for a real calendar day, else null. */
export const isoDate = (year: number, month: number, day: number): string | null =>
  year >= 1900 && year <= 2999 && isCalendarDay(year, month, day) ? `${year}-${pad(month)}-${pad(day)}` : null

const ENGLISH_DATE = /^([A-Za-z]{3,9})\.?\s+(\d{1,2}),?\s+(\d{4})/

/** `Nov 16, 2025` or `November 16, 2025 (Sunday)` -> `2025-11-16`, from the start of the text. */
export const englishDate = (text: string): string | null => {
  const match = ENGLISH_DATE.exec(text.trim())
  if (match === null) return null
  const month = MONTHS.get(match[1]!.toLowerCase())
  return month === undefined ? null : isoDate(Number(match[3]), month, Number(match[2]))
}

const CLOCK = /^(\d{1,2})(?::(\d{2}))?(?::(\d{2}))?\s*([ap])\.?m\.?$/i

/** `5:30pm`, `5pm`, `2:43:27pm` -> `17:30:00`, `17:00:00`, `14:43:27`. */
export const clockTime = (text: string): string | null => {
  const match = CLOCK.exec(text.trim())
  if (match === null) return null
  const hour12 = Number(match[1])
  const minute = Number(match[2] ?? "0")
  const second = Number(match[3] ?? "0")
  if (hour12 < 1 || hour12 > 12 || minute > 59 || second > 59) return null
  const hour = (hour12 % 12) + (match[4]!.toLowerCase() === "p" ? 12 : 0)
  return `${pad(hour)}:${pad(minute)}:${pad(second)}`
}

const SORTABLE = /^(\d{4})-(\d{2})-(\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?$/

/** LiveRC's sortable `2025-11-16 08:30:00` (or a bare date) -> `2025-11-16T08:30:00`. */
export const sortableDateTime = (text: string): string | null => {
  const match = SORTABLE.exec(text.trim())
  if (match === null) return null
  const date = isoDate(Number(match[1]), Number(match[2]), Number(match[3]))
  if (date === null) return null
  const hour = Number(match[4] ?? "0")
  const minute = Number(match[5] ?? "0")
  const second = Number(match[6] ?? "0")
  if (hour > 23 || minute > 59 || second > 59) return null
  return `${date}T${pad(hour)}:${pad(minute)}:${pad(second)}`
}

const describeSchemaError = (error: Schema.SchemaError): string => {
  const message = collapse(error.message)
  return message.length > 400 ? `${message.slice(0, 400)}...` : message
}

/**
 * Runs a parser's synchronous body when the effect runs and checks its value with the model's
 * Schema. A page cut short, a PageMismatch, a value the Schema refuses and (defensively) any other
 * throw all become a LiveRcParseError; the last is labelled so tests can tell bugs from bad pages.
 */
export const runParser = <A>(
  page: PageKind,
  url: string,
  schema: Schema.Decoder<A>,
  extract: () => unknown
): Effect.Effect<A, LiveRcParseError> =>
  Effect.suspend(() => {
    const failWith = (reason: string) => Effect.fail(new LiveRcParseError({ page, url, reason }))
    let value: unknown
    const outer = loadedTrees
    loadedTrees = []
    try {
      value = extract()
    } catch (error) {
      if (error instanceof PageMismatch) return failWith(error.reason)
      return failWith(`unexpected parser failure: ${error instanceof Error ? error.message : String(error)}`)
    } finally {
      for (const tree of loadedTrees) emptyTree(tree)
      loadedTrees = outer
    }
    const decoded = Schema.decodeUnknownResult(schema)(value)
    return Result.isSuccess(decoded)
      ? Effect.succeed(decoded.success)
      : failWith(`does not fit the ${page} model: ${describeSchemaError(decoded.failure)}`)
  })

const VOID_ELEMENTS = new Set([
  "area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "param", "source", "track", "wbr"
])
const RAW_TEXT_ELEMENTS = new Set(["script", "style", "textarea", "title"])

/** LiveRC's pages nest about 30 deep; nothing legitimate comes near this. */
export const MAX_NESTING = 1024

/**
 * How deep the page's open tags nest, counted from the raw text in one pass and stopping past
 * `limit`. It only approximates the tree (implied closes of `<p>` or `<li>` count as open), which is
 * all it needs: htmlparser2 and the selector engine both slow down with the square of nesting
 * depth, so a hostile page of nothing but `<div>` must be refused before it is loaded.
 */
export const nestingDepth = (html: string, limit = MAX_NESTING): number => {
  let depth = 0
  let deepest = 0
  let at = html.indexOf("<")
  while (at !== -1 && deepest <= limit) {
    const next = html.charCodeAt(at + 1)
    if (next === 33 /* ! */) {
      const end = html.startsWith("<!--", at) ? html.indexOf("-->", at + 4) : html.indexOf(">", at)
      if (end === -1) break
      at = html.indexOf("<", end + 1)
      continue
    }
    const closing = next === 47 /* / */
    const nameStart = closing ? at + 2 : at + 1
    let nameEnd = nameStart
    while (nameEnd < html.length && nameEnd - nameStart < 12) {
      const c = html.charCodeAt(nameEnd) | 0x20
      if (!((c >= 97 && c <= 122) || (c >= 48 && c <= 57 && nameEnd > nameStart))) break
      nameEnd++
    }
    if (nameEnd === nameStart) {
      at = html.indexOf("<", at + 1)
      continue
    }
    const name = html.slice(nameStart, nameEnd).toLowerCase()
    const end = html.indexOf(">", nameEnd)
    if (end === -1) break
    if (closing) {
      if (depth > 0) depth--
    } else if (!VOID_ELEMENTS.has(name) && html.charCodeAt(end - 1) !== 47 /* / */) {
      deepest = Math.max(deepest, ++depth)
      if (RAW_TEXT_ELEMENTS.has(name)) {
        const close = indexOfClosing(html, name, end + 1)
        if (close === -1) break
        depth--
        at = html.indexOf("<", close + 2)
        continue
      }
    }
    at = html.indexOf("<", end + 1)
  }
  return deepest
}

/** Where `</name` starts (any case), scanning only forward; the raw text in between is skipped. */
const indexOfClosing = (html: string, name: string, from: number): number => {
  let at = html.indexOf("</", from)
  while (at !== -1) {
    if (html.slice(at + 2, at + 2 + name.length).toLowerCase() === name) return at
    at = html.indexOf("</", at + 2)
  }
  return -1
}

/**
 * The trees `loadPage` built for the parser `runParser` is running, emptied when it returns.
 * `cheerio.load` declares a class per document whose methods close over what it was given, and V8
 * keeps class metadata in the old generation, so every young-generation GC finds each tree (and
 * the page text its strings are cut from) still reachable and promotes it whole; promoted trees
 * wait for a full GC, which V8 runs only once the old generation has grown several times over, so
 * a worker's memory would grow with the pages it parses. An emptied tree leaves only its root.
 */
let loadedTrees: Array<ParentNode> | null = null

const emptyTree = (root: ParentNode) => {
  const pending: Array<AnyNode> = [root]
  for (let node = pending.pop(); node !== undefined; node = pending.pop()) {
    if (!("children" in node)) continue
    for (const child of node.children) pending.push(child)
    node.children = []
  }
}

/** Loads a whole page, refusing one cut short or nested absurdly deep before any selector runs. */
export const loadPage = (html: string): CheerioAPI => {
  if (!isComplete(html)) mismatch("the page is incomplete (no closing </html>)")
  if (nestingDepth(html) > MAX_NESTING) mismatch(`the page nests elements more than ${MAX_NESTING} deep`)
  const $ = loadHtml(html)
  loadedTrees?.push($.root()[0]!)
  return $
}
