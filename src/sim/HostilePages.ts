import { Schema } from "effect"
import type { HostileRule } from "./SimConfig.ts"

/**
 * Pages built to hurt a parser: the attacks of issue 12 (a race page of `<div a="/>">`, an event
 * page whose registrations row is one huge "Entries:" run, a robots.txt of 40,000 User-agent
 * lines) and their relatives, each padded to any size. The simulator serves them on demand
 * (SimConfig `hostileRules`); the hostile-input tests and `npm run bench:hostile` parse them.
 * Every page that should reach the parsers' selectors ends with `</html>`, so it gets past the
 * completeness check and its cost is the parser's, not an early refusal's.
 */

export const HostilePageKind = Schema.Literals([
  // Issue 12, finding 1: nests in htmlparser2, looked self-closing to the old hand-rolled counter.
  "self-closing-attr",
  // `<div/>`: not self-closing in HTML, so every one nests.
  "self-closing",
  // `<!-->` is a whole (empty) comment in HTML; the old counter skipped to the next `-->`.
  "empty-comment",
  // Plain deep nesting.
  "deep-divs",
  // Issue 12, finding 3: an event page whose registrations cell reads `Entries:1 Entries:1 ...`.
  "event-row",
  // Issue 12, finding 2: a robots.txt of User-agent lines (12 bytes each), then one Crawl-delay.
  "robots-agents",
  // Named, numeric and unterminated entities.
  "entity-flood",
  // Open just under the nesting limit, then close tags that match nothing (each searches the stack).
  "close-flood",
  // Nested table rows, so the text of each row holds the text of every row inside it.
  "nested-rows",
  // One element with one huge attribute value.
  "huge-attribute",
  // A comment that never closes.
  "open-comment",
  // Many small elements, flat (`<td>` closes the one before): the most DOM nodes a byte can buy.
  "element-flood",
  // A race page whose lap script is a run of `racerLaps[1] = {` openings.
  "script-flood",
  // NULs and bytes from the whole Latin-1 range, with `<` sprinkled in.
  "binary",
  // Tens of thousands of elements straight under the document, no `<html>`: cheerio's own search
  // from a node compares each child with every other (found by bench:hostile, 143x a race page).
  "flat-siblings",
  // One race table of tens of thousands of rows: the same, from a table.
  "wide-table"
])
export type HostilePageKind = typeof HostilePageKind.Type

export const hostilePageKinds: ReadonlyArray<HostilePageKind> = HostilePageKind.literals

const HTML_HEAD = "<!DOCTYPE html>\n<html><head><title>hostile</title></head><body>\n"
const HTML_TAIL = "\n</body></html>\n"

/** `unit` repeated to fill `bytes` (at least once), between `head` and `tail`. */
const padded = (head: string, unit: string, bytes: number, tail: string): string =>
  head + unit.repeat(Math.max(1, Math.ceil((bytes - head.length - tail.length) / unit.length))) + tail

const page = (unit: string, bytes: number): string => padded(HTML_HEAD, unit, bytes, HTML_TAIL)

/** An event page in LiveRC's layout (title, date, one round with one race) around `registrations`. */
const eventPage = (registrations: string): string =>
  `${HTML_HEAD}<h1 class="page-header">Hostile Club</h1>\n<h3 class="page-header">Hostile Cup</h3>\n` +
  `<h5 class="page-header">Nov 16, 2025</h5>\n<table class="table table-sm"><tbody>\n` +
  `<tr><th>Registrations</th><td>${registrations}</td></tr>\n</tbody></table>\n` +
  `<table class="table entry_list_data"><thead><tr><th colspan="2"><span class="class_header">Main Events</span></th></tr></thead>\n` +
  `<tbody><tr><td><a href="/results/?p=view_race_result&id=7100001">Race 1: Buggy (Buggy A-Main)</a></td>` +
  `<td>Nov 16, 2025 at 5:30pm</td></tr></tbody></table>${HTML_TAIL}`

/** Deterministic pseudo-random bytes (xorshift), so a binary page is the same on every run. */
const binary = (bytes: number): string => {
  let state = 0x9e3779b9
  const chars: Array<string> = []
  for (let i = 0; i < bytes; i++) {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    const byte = (state >>> 0) % 256
    chars.push(byte % 17 === 0 ? "<" : String.fromCharCode(byte))
  }
  return `${chars.join("")}</html>`
}

/** A hostile page of about `bytes` characters (never fewer than one repetition of its pattern). */
export const hostilePage = (kind: HostilePageKind, bytes: number): string => {
  switch (kind) {
    case "self-closing-attr":
      return page(`<div a="/>">`, bytes)
    case "self-closing":
      return page("<div/>", bytes)
    case "empty-comment":
      return page("<!--><div>", bytes)
    case "deep-divs":
      return page("<div>", bytes)
    case "event-row": {
      const shell = eventPage("").length
      return eventPage("Entries:1 ".repeat(Math.max(1, Math.ceil((bytes - shell) / 10))))
    }
    case "robots-agents":
      return padded("# hostile\n", "User-agent:\n", bytes, "Crawl-delay: 1\n")
    case "entity-flood":
      return page("&amp;&#x1F600;&#99999999;&notanentity&lt&#;&", bytes)
    case "close-flood":
      return padded(`${HTML_HEAD}${"<div>".repeat(200)}`, "</x>", bytes, HTML_TAIL)
    case "nested-rows": {
      // 80 tables of row and cell: 240 deep, just inside the nesting limit.
      const head = `${HTML_HEAD}${"<table class=\"table table-sm race_result\"><tr><td>".repeat(80)}`
      return padded(head, "Entries: 1 Drivers: 2 Pos Driver ", bytes, HTML_TAIL)
    }
    case "huge-attribute":
      return padded(`${HTML_HEAD}<div class="`, "a/>&quot;", bytes, `">x</div>${HTML_TAIL}`)
    case "open-comment":
      return padded(`${HTML_HEAD}<!--`, "<div>-- >", bytes, HTML_TAIL)
    case "element-flood":
      // A `<td>` closes the one before it: flat, as many elements as bytes allow.
      return page("<td>", bytes)
    case "script-flood":
      return padded(`${HTML_HEAD}<table class="race_result"><tr><th>Pos</th><th>Driver</th></tr></table><script>`, "racerLaps[1] = {'laps':[{", bytes, `</script>${HTML_TAIL}`)
    case "binary":
      return binary(bytes)
    case "flat-siblings":
      return padded("", "<th>Pos</th>", bytes, "</html>")
    case "wide-table":
      return padded(
        `${HTML_HEAD}<table class="race_result"><tr><th>Pos</th><th>Driver</th><th>Laps</th></tr>`,
        "<tr><td>1</td><td>A</td><td>9</td></tr>",
        bytes,
        `</table>${HTML_TAIL}`
      )
  }
}

/** The three attack pages of issue 12, at the sizes reported there. */
export const reportedAttacks = {
  /** 1.2 MB race page of `<div a="/>">`: 6.9 s to parse before the fix. */
  raceSelfClosingAttr: () => hostilePage("self-closing-attr", 1_200_000),
  /** Event page with a 352 KB registrations row: 3.2 s in one regex before the fix. */
  eventRow: () => hostilePage("event-row", 352_000),
  /** 480 KB robots.txt of 40,000 User-agent lines: /healthz at 9.6 s while a job read it. */
  robotsAgents: () => hostilePage("robots-agents", 40_000 * 12 + 25)
}

export interface HostilePlan {
  /** The body of the first rule matching the request's path and query; undefined: serve as usual. */
  readonly bodyFor: (target: string) => Buffer | undefined
}

/** Rules compiled once per config change; each body is built on first use and kept (a few at most). */
export const hostilePlan = (rules: ReadonlyArray<HostileRule>): HostilePlan => {
  const compiled = rules.map((rule) => ({ pattern: new RegExp(rule.match), rule }))
  const bodies = new Map<string, Buffer>()
  return {
    bodyFor: (target) => {
      const rule = compiled.find((candidate) => candidate.pattern.test(target))?.rule
      if (rule === undefined) return undefined
      const key = `${rule.page}:${rule.bytes}`
      let body = bodies.get(key)
      if (body === undefined) {
        // One byte per character: the `binary` page's 0-255 go out as raw bytes.
        body = Buffer.from(hostilePage(rule.page, rule.bytes), "latin1")
        bodies.set(key, body)
      }
      return body
    }
  }
}
