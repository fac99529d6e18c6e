import { type Cheerio, type CheerioAPI, load } from "cheerio"
import { type Options, select } from "cheerio-select"
import type { AnyNode, ChildNode, Document, Element, ParentNode, Text } from "domhandler"
import { Effect, Result, Schema } from "effect"
import { DomHandler, Parser } from "htmlparser2"
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
export const HTMLPARSER2 = { xmlMode: false, decodeEntities: true } as const

const loadHtml = (html: string): CheerioAPI => {
  const $ = load(parseGuarded(html), { xml: HTMLPARSER2 })
  // `$.fn` is this document's own Cheerio subclass: the override touches no other cheerio user.
  const prototype = $.fn as unknown as { _findBySelector: typeof findBySelector }
  prototype._findBySelector = findBySelector
  return $
}

/** What cheerio's `_findBySelector` reads of a selection. */
interface Selection {
  readonly options: Options & { readonly xmlMode?: boolean }
  readonly _root: { readonly [index: number]: AnyNode } | null
  toArray(): Array<AnyNode>
  _make(nodes: ReadonlyArray<AnyNode>): unknown
}

/** Selectors starting at the selection itself, which cheerio resolves against the selection. */
const CONTEXT_SELECTOR = /^\s*(?:[+~]|:scope\b)/

/**
 * cheerio's `_findBySelector` (behind `$(selector)` and `.find(selector)`) without its quadratic
 * step. cheerio hands css-select the *children* of the selection as an array, and css-select then
 * runs domutils' `removeSubsets` over it, which compares every element with every earlier one and
 * with the array again for each ancestor: a document root or a table with 20,000 children cost
 * seconds per selector (found by bench:hostile). Handing css-select each selected node as the root
 * instead makes it search the same descendants, in the same order, in one pass; results of several
 * selected nodes are merged in order without duplicates, as `removeSubsets` would have left them.
 * The parsers' selectors have no positional pseudo-classes and no `:scope` (PageParsing.test.ts
 * compares this search with cheerio's on real pages and token soup).
 */
function findBySelector(this: Selection, selector: string, limit: number): unknown {
  const context = this.toArray()
  if (CONTEXT_SELECTOR.test(selector)) return originalFindBySelector.call(this, selector, limit)
  const options: Options = {
    context: context as Array<Element>,
    root: this._root?.[0] as Document | undefined,
    xmlMode: this.options.xmlMode,
    lowerCaseTags: this.options.lowerCaseTags,
    lowerCaseAttributeNames: this.options.lowerCaseAttributeNames,
    pseudos: this.options.pseudos,
    quirksMode: this.options.quirksMode
  }
  if (context.length === 1) return this._make(select(selector, context[0]!, options, limit))
  const found = new Set<AnyNode>()
  for (const node of context) {
    // Each node is its own scope: css-select checks `:scope` against every context node.
    for (const match of select(selector, node, { ...options, context: [node as Element] }, limit)) {
      if (found.size >= limit) break
      found.add(match)
    }
  }
  return this._make([...found])
}

const originalFindBySelector = (load("").fn as unknown as { _findBySelector: typeof findBySelector })._findBySelector

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

/**
 * LiveRC's pages nest at most 18 deep in htmlparser2's tree (the captured, hand-made and
 * simulator-rendered pages alike); nothing legitimate comes near this. Nesting is what makes HTML
 * cost more than linear: htmlparser2 keeps its open elements in an array it shifts on every open
 * tag and searches on every close tag, and descendant selectors walk up from every candidate, so
 * each element costs up to this depth (a 1.2 MB page nesting 100,000 deep took 6.9 s, issue 12).
 * 256 keeps that factor small while leaving over 10x room above any real page.
 */
export const MAX_NESTING = 256

/** Refuses the page for nesting past MAX_NESTING (from inside a parser callback too). */
export function tooDeep(): never {
  return mismatch(`the page nests elements more than ${MAX_NESTING} deep`)
}

/**
 * How deep the page's elements nest in htmlparser2's own tree (its Parser's open and close
 * callbacks, with the options the tree is built with, so implied closes, void and foreign
 * elements, comments and raw text count exactly as in the tree), stopping once past `limit`.
 * The parsers count the same callbacks while they build (GuardedHandler below, and the
 * catalogue's streaming parser), so a page is tokenized once; this count on its own is for tests
 * and tools.
 */
export const nestingDepth = (html: string, limit = MAX_NESTING): number => {
  let depth = 0
  let deepest = 0
  const parser: Parser = new Parser({
    onopentag() {
      if (++depth > deepest) deepest = depth
      // Stop tokenizing at once: the rest of the page cannot make the answer smaller.
      if (deepest > limit) parser.pause()
    },
    onclosetag() {
      depth--
    }
  }, HTMLPARSER2)
  parser.write(html)
  if (deepest <= limit) parser.end()
  return deepest
}

/**
 * The most nodes (elements, text runs, comments) a page's tree may hold. LiveRC's DOM-parsed pages
 * have a few thousand at most (the captured race page 1,300, an events list about 24 per event,
 * so this takes a track with 4,000 events). Each node costs about 200 bytes of heap and every
 * selector visits it: 8 MB of `<td>` (two million nodes) took 2 GB of RSS before this guard; now
 * it is refused after its first 400 kB, with at most 20 MB of tree.
 */
export const MAX_NODES = 100_000

/**
 * domhandler's tree builder with htmlparser2's depth and the node count kept on the way: the page
 * is refused the moment an element would sit deeper than MAX_NESTING or the tree would outgrow
 * MAX_NODES, so a hostile page costs at most MAX_NESTING per element in one linear pass, and no
 * deeper or larger tree is ever built.
 */
class GuardedHandler extends DomHandler {
  private depth = 0
  private nodes = 0
  override onopentag(name: string, attribs: Record<string, string>): void {
    if (++this.depth > MAX_NESTING) tooDeep()
    super.onopentag(name, attribs)
  }
  override onclosetag(): void {
    this.depth--
    super.onclosetag()
  }
  protected override addNode(node: ChildNode): void {
    if (++this.nodes > MAX_NODES) mismatch(`the page has more than ${MAX_NODES} nodes`)
    super.addNode(node)
  }
}

/** `parseDocument` of htmlparser2, with the guards. */
const parseGuarded = (html: string): Document => {
  const handler = new GuardedHandler(undefined, HTMLPARSER2)
  new Parser(handler, HTMLPARSER2).end(html)
  return handler.root
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
  const $ = loadHtml(html)
  loadedTrees?.push($.root()[0]!)
  return $
}
