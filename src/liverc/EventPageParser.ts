import type { CheerioAPI } from "cheerio"
import type { Effect } from "effect"
import type { LiveRcParseError } from "./LiveRcParseError.ts"
import { EventPage, type EventRace } from "./models/EventPage.ts"
import {
  clockTime,
  englishDate,
  integerOf,
  liveRcIdOf,
  loadPage,
  mismatch,
  pageOf,
  queryParams,
  runParser,
  textOf
} from "./PageParsing.ts"
import {
  digitsEnd,
  hasLineTerminator,
  indexOfAscii,
  isLineTerminator,
  isSpace,
  matchesAsciiAt,
  skipSpace,
  spaceRunStart
} from "./TextScan.ts"

/**
 * An event page: its title and dates, registration stats, the race results grouped under round
 * headers (newest first), and the links to the entry list, multi-mains and rankings.
 */

const tokens = (text: string): ReadonlySet<string> =>
  new Set((text.toLowerCase().match(/[a-z0-9]+/g) ?? []).filter((token) => token.length >= 2))

const years = (text: string): ReadonlySet<string> => new Set(text.match(/\b(?:19|20)\d{2}\b/g) ?? [])

const sameSet = (a: ReadonlySet<string>, b: ReadonlySet<string>) => a.size === b.size && [...a].every((x) => b.has(x))

/**
 * A club's page titles the club in h1 and the meeting in h3; a series page may do the reverse.
 * Barely overlapping titles mean h1 is the club, so h3 names the event; titles of different
 * years (a series page's "2026 ..." over "2025 ... 19") mean h1 names it; otherwise h3 does.
 */
export const chooseEventName = (h1: string, h3: string): string => {
  if (h1 === "") return h3
  if (h3 === "") return h1
  if (h1.toLowerCase() === h3.toLowerCase()) return h1
  const a = tokens(h1)
  const b = tokens(h3)
  const smaller = Math.min(a.size, b.size)
  const overlap = [...a].filter((token) => b.has(token)).length
  if (smaller === 0 || overlap / smaller < 0.5) return h3
  const yearsA = years(h1)
  const yearsB = years(h3)
  if (yearsA.size > 0 && yearsB.size > 0 && !sameSet(yearsA, yearsB)) return h1
  return h3
}

/** `Race 14: 1/8 Nitro Buggy (1/8 Nitro Buggy A-Main)` -> 14, class, label (nested parens allowed). */
export const splitRaceLabel = (
  text: string
): { readonly raceNumber: number | null; readonly className: string; readonly label: string } => {
  const numbered = raceHeading(text)
  const raceNumber = numbered === null ? null : numbered.raceNumber
  const rest = numbered === null ? text : numbered.rest
  if (rest.endsWith(")")) {
    let depth = 0
    for (let i = rest.length - 1; i >= 0; i--) {
      const c = rest[i]
      if (c === ")") depth++
      else if (c === "(" && --depth === 0) {
        const className = rest.slice(0, i).trim()
        const label = rest.slice(i + 1, -1).trim()
        if (className === "" || label === "") break
        // "Semi A (Semi A (Even) Practice)": the bracket names the real class.
        if (/^Semi [A-Z]$/i.test(className) && /^Semi [A-Z] \(.*\) Practice$/i.test(label)) {
          return { raceNumber, className: label, label }
        }
        return { raceNumber, className, label }
      }
    }
  }
  return { raceNumber, className: rest, label: rest }
}

/**
 * What `/^Race\s+(\d{1,6})\s*:?\s*(.*)$/i` captures, in one pass: `Race 14: rest` -> 14, `rest`.
 * The pattern's two `\s*` around an optional colon backtrack quadratically on a run of spaces.
 */
export const raceHeading = (text: string): { readonly raceNumber: number; readonly rest: string } | null => {
  if (!matchesAsciiAt(text, 0, "race")) return null
  const digits = skipSpace(text, 4)
  if (digits === 4) return null
  const end = Math.min(digitsEnd(text, digits), digits + 6)
  if (end === digits) return null
  let rest = skipSpace(text, end)
  if (text.charCodeAt(rest) === 58 /* : */) rest = skipSpace(text, rest + 1)
  // `(.*)$` reads to the end without crossing a line break; whitespace before it was skipped above.
  return hasLineTerminator(text, rest) ? null : { raceNumber: Number(text.slice(digits, end)), rest: text.slice(rest) }
}

const isWordChar = (code: number) =>
  (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95

/** What `/\bat\s+(.+)$/i` captures, in one pass: the text after the first word `at` and its spaces. */
export const afterAt = (text: string): string | null => {
  let lastBreak = -1
  for (let at = text.length - 1; at >= 0; at--) {
    if (isLineTerminator(text.charCodeAt(at))) {
      lastBreak = at
      break
    }
  }
  for (let at = indexOfAscii(text, "at"); at !== -1; at = indexOfAscii(text, "at", at + 1)) {
    if (at > 0 && isWordChar(text.charCodeAt(at - 1))) continue
    const rest = skipSpace(text, at + 2)
    if (rest === at + 2) continue
    if (rest < text.length) {
      if (lastBreak < rest) return text.slice(rest)
      continue
    }
    // Only spaces follow: `(.+)` takes the last one, when `\s+` can spare it and it is no line break.
    if (rest - (at + 2) >= 2 && !isLineTerminator(text.charCodeAt(rest - 1))) return text.slice(rest - 1)
  }
  return null
}

/** `Nov 16, 2025 at 5:30pm`, `... at 5pm` or a bare date -> a local date-time; else null. */
const completedAt = (text: string): string | null => {
  const date = englishDate(text)
  if (date === null) return null
  const at = afterAt(text)
  if (at === null) return `${date}T00:00:00`
  const time = clockTime(at)
  return time === null ? null : `${date}T${time}`
}

/** `text.split(/\s+to\s+/i)` in one pass (the pattern rescans a run of spaces from each of its starts). */
export const splitOnTo = (text: string): ReadonlyArray<string> => {
  const parts: Array<string> = []
  let start = 0
  let at = 0
  while (at < text.length) {
    if (!isSpace(text.charCodeAt(at))) {
      at++
      continue
    }
    const word = skipSpace(text, at)
    const after = word + 2
    if (matchesAsciiAt(text, word, "to") && after < text.length && isSpace(text.charCodeAt(after))) {
      parts.push(text.slice(start, at))
      start = skipSpace(text, after)
      at = start
    } else {
      at = word
    }
  }
  parts.push(text.slice(start))
  return parts
}

/** The `[\d,]+` run at `at`, or null when there is none. */
const countRun = (text: string, at: number): string | null => {
  let end = at
  while (end < text.length) {
    const code = text.charCodeAt(end)
    if (!((code >= 48 && code <= 57) || code === 44)) break
    end++
  }
  return end === at ? null : text.slice(at, end)
}

/**
 * What `/Entries:\s*([\d,]+).*?Drivers:\s*([\d,]+)/i` captures, in one pass. The pattern retries
 * its lazy middle from every `Entries:`, so a long row of them cost the square of its length
 * (issue 12: 352 kB took 3.2 s).
 */
export const registrationCounts = (text: string): { readonly entries: string; readonly drivers: string } | null => {
  // The next `Drivers:` with a count after it; it only ever moves forward, so each is read once.
  let drivers = -1
  let driversCount: string | null = null
  const nextDrivers = (from: number) => {
    for (drivers = indexOfAscii(text, "drivers:", from); drivers !== -1; drivers = indexOfAscii(text, "drivers:", drivers + 1)) {
      driversCount = countRun(text, skipSpace(text, drivers + 8))
      if (driversCount !== null) return
    }
  }
  // The first line break at or after a position; positions asked for only grow, so it moves forward too.
  let lineBreak = -1
  const breakFrom = (from: number) => {
    if (lineBreak < from) {
      lineBreak = from
      while (lineBreak < text.length && !isLineTerminator(text.charCodeAt(lineBreak))) lineBreak++
    }
    return lineBreak
  }
  nextDrivers(0)
  for (let at = indexOfAscii(text, "entries:"); at !== -1; at = indexOfAscii(text, "entries:", at + 1)) {
    const runStart = skipSpace(text, at + 8)
    const entries = countRun(text, runStart)
    if (entries === null) continue
    const runEnd = runStart + entries.length
    if (drivers !== -1 && drivers < runEnd) nextDrivers(runEnd)
    if (drivers === -1) return null
    // The lazy `.*?` between them cannot cross a line break; a later `Entries:` may still match.
    if (breakFrom(runEnd) < drivers) continue
    return { entries, drivers: driversCount! }
  }
  return null
}

/** `text.replace(/\s+Results$/i, "")` in one pass. */
export const withoutResultsSuffix = (text: string): string => {
  const word = text.length - 7
  if (word < 1 || !matchesAsciiAt(text, word, "results") || !isSpace(text.charCodeAt(word - 1))) return text
  return text.slice(0, spaceRunStart(text, word))
}

const headerText = ($: CheerioAPI, selector: string): string => {
  const header = $(selector).first().clone()
  header.find("span.fa, i").remove()
  return textOf(header)
}

const dateRange = (text: string): { readonly date: string; readonly dateEnd: string | null } => {
  const [from, to] = splitOnTo(text)
  const date = englishDate(from ?? "")
  if (date === null) return mismatch(`no event date in the page header ${JSON.stringify(text.slice(0, 60))}`)
  const dateEnd = to === undefined ? null : englishDate(to)
  return { date, dateEnd: dateEnd === date ? null : dateEnd }
}

interface Link {
  readonly page: string
  readonly id: string
  readonly params: ReadonlyMap<string, string>
  readonly text: string
}

const extract = (html: string, url: string): typeof EventPage.Encoded => {
  const $ = loadPage(html)
  // Race pages carry the same title block; only an event page has these link tables.
  const tables = $("table.entry_list_data")
  if (tables.length === 0) mismatch("not an event page (no table.entry_list_data)")

  const name = chooseEventName(headerText($, "h1.page-header"), headerText($, "h3.page-header"))
  if (name === "") mismatch("no event title (h1/h3.page-header)")
  const { date, dateEnd } = dateRange(headerText($, "h5.page-header"))

  let entries: number | null = null
  let drivers: number | null = null
  let totalRaceLaps: number | null = null
  for (const row of $("table.table-sm tr").toArray()) {
    const text = textOf($(row))
    const registrations = registrationCounts(text)
    if (registrations !== null) {
      entries = integerOf(registrations.entries)
      drivers = integerOf(registrations.drivers)
    }
    if (/total race laps/i.test(textOf($(row).children("th")))) {
      totalRaceLaps = integerOf(textOf($(row).children("td").first()))
    }
  }

  const links: Array<Link> = []
  for (const anchor of $("a[href]").toArray()) {
    const params = queryParams(anchor.attribs["href"] ?? "")
    const page = pageOf(params)
    const id = liveRcIdOf(params.get("id"))
    if (page !== null && id !== null) links.push({ page, id, params, text: textOf($(anchor)) })
  }
  // The same page is often linked twice (a clickable row and its anchor): one entry per id.
  const linksTo = (page: string): ReadonlyArray<Link> => {
    const byId = new Map<string, Link>()
    for (const link of links) if (link.page === page && !byId.has(link.id)) byId.set(link.id, link)
    return [...byId.values()]
  }

  const races: Array<typeof EventRace.Encoded> = []
  const seenRaces = new Set<string>()
  for (const table of tables.toArray()) {
    let round = textOf($(table).find("thead .class_header").first())
    for (const row of $(table).find("tr").toArray()) {
      const headers = $(row).children("th")
      if (headers.length > 0) {
        const header = textOf(headers.first())
        if (header !== "" && !/^time completed$/i.test(header) && $(row).parent("thead").length === 0) round = header
        continue
      }
      const cells = $(row).children("td")
      for (const anchor of cells.find("a[href]").toArray()) {
        const params = queryParams(anchor.attribs["href"] ?? "")
        if (pageOf(params) !== "view_race_result") continue
        const raceId = liveRcIdOf(params.get("id"))
        if (raceId === null) mismatch(`a race link without a valid id: ${JSON.stringify(anchor.attribs["href"])}`)
        if (seenRaces.has(raceId)) break
        seenRaces.add(raceId)
        const text = textOf($(anchor))
        const split = splitRaceLabel(text)
        if (split.raceNumber === null) mismatch(`race ${raceId} has no race number: ${JSON.stringify(text)}`)
        if (round === "") mismatch(`race ${raceId} is not under a round header`)
        races.push({
          raceId,
          raceNumber: split.raceNumber,
          className: split.className,
          label: split.label,
          round,
          completedAt: completedAt(textOf(cells.eq(1)))
        })
        break
      }
    }
  }

  const ownParams = queryParams(url)
  return {
    eventId: pageOf(ownParams) === "view_event" ? liveRcIdOf(ownParams.get("id")) : null,
    name,
    date,
    dateEnd,
    entries,
    drivers,
    totalRaceLaps,
    entryListId: linksTo("view_entry_list")[0]?.id ?? null,
    races,
    multiMains: linksTo("view_multi_main_result").map((link) => ({
      id: link.id,
      label: withoutResultsSuffix(link.text)
    })),
    points: linksTo("view_points").map((link) => {
      const rounds = /\((\d+)\s+of\s+(\d+)\)/i.exec(link.text)
      return {
        id: link.id,
        label: link.text,
        roundsCompleted: rounds === null ? null : Number(rounds[1]),
        roundsTotal: rounds === null ? null : Number(rounds[2])
      }
    }),
    roundRankings: linksTo("view_round_ranking").map((link) => {
      const order = link.params.get("o")
      return {
        id: link.id,
        label: link.text,
        order: order === "laps_time" || order === "top_3_consecutive" ? order : null
      }
    }),
    overallRankingId: linksTo("event_overall_ranking")[0]?.id ?? null
  }
}

/** Parses `/results/?p=view_event&id=N`. */
export const parseEventPage = (html: string, url: string): Effect.Effect<EventPage, LiveRcParseError> =>
  runParser("event", url, EventPage, () => extract(html, url))
