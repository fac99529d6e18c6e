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
  const numbered = /^Race\s+(\d{1,6})\s*:?\s*(.*)$/i.exec(text)
  const raceNumber = numbered === null ? null : Number(numbered[1])
  const rest = numbered === null ? text : numbered[2]!
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

/** `Nov 16, 2025 at 5:30pm`, `... at 5pm` or a bare date -> a local date-time; else null. */
const completedAt = (text: string): string | null => {
  const date = englishDate(text)
  if (date === null) return null
  const at = /\bat\s+(.+)$/i.exec(text)
  if (at === null) return `${date}T00:00:00`
  const time = clockTime(at[1]!)
  return time === null ? null : `${date}T${time}`
}

const headerText = ($: CheerioAPI, selector: string): string => {
  const header = $(selector).first().clone()
  header.find("span.fa, i").remove()
  return textOf(header)
}

const dateRange = (text: string): { readonly date: string; readonly dateEnd: string | null } => {
  const [from, to] = text.split(/\s+to\s+/i)
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
    const registrations = /Entries:\s*([\d,]+).*?Drivers:\s*([\d,]+)/i.exec(text)
    if (registrations !== null) {
      entries = integerOf(registrations[1]!)
      drivers = integerOf(registrations[2]!)
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
      label: link.text.replace(/\s+Results$/i, "")
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
