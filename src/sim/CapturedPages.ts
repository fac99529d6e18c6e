import { readFileSync } from "node:fs"

/**
 * The real LiveRC pages in `captured/`, served byte for byte for their ids, plus the few facts the
 * synthetic side borrows from them so the two agree: track names from the catalogue, the listed
 * events of canberraoffroad, event 486677's race list and side-page links, and the drivers and
 * results of its two real races.
 */

export interface CapturedListedEvent {
  readonly eventId: string
  readonly name: string
  readonly startsAt: string
  readonly entries: number
  readonly drivers: number
}

export interface CapturedRaceRow {
  readonly raceId: string
  readonly raceNumber: number
  readonly className: string
  readonly label: string
  readonly round: string
  readonly completedAt: string | null
}

export interface CapturedLink {
  readonly id: string
  /** The link text, e.g. `Qualifier Round 1 Rankings`. */
  readonly label: string
}

/** The standings pages the event page links, in page order. */
export interface CapturedSideLinks {
  readonly multiMains: ReadonlyArray<CapturedLink>
  /** `Results (1 of 3)`: the two numbers, when the label has them. */
  readonly points: ReadonlyArray<CapturedLink & { readonly counted: number | null; readonly of: number | null }>
  readonly roundRankings: ReadonlyArray<CapturedLink & { readonly order: string | null }>
  readonly overallRankingId: string | null
}

export interface CapturedEvent {
  readonly eventId: string
  readonly name: string
  readonly date: string
  readonly entries: number
  readonly drivers: number
  /** Page order (newest first). */
  readonly races: ReadonlyArray<CapturedRaceRow>
  readonly sideLinks: CapturedSideLinks
}

/** One row of a real race page's results table, as far as the standings pages need it. */
export interface CapturedResultRow {
  readonly position: number
  readonly driverName: string
  readonly qualPosition: number | null
  readonly lapsCompleted: number
  /** Null for a driver with no time (0 laps). */
  readonly totalTimeMs: number | null
}

export interface CapturedDriver {
  readonly name: string
  readonly id: string
  readonly className: string
}

export interface CapturedPages {
  readonly catalogue: Buffer
  readonly dashboards: ReadonlyMap<string, Buffer>
  /** Track slug -> its events list page (served for `/events` and `/results/`). */
  readonly eventLists: ReadonlyMap<string, Buffer>
  readonly events: ReadonlyMap<string, Buffer>
  readonly races: ReadonlyMap<string, Buffer>
  readonly trackNames: ReadonlyMap<string, string>
  readonly catalogueSlugs: ReadonlyArray<string>
  readonly listedEvents: ReadonlyMap<string, CapturedListedEvent>
  readonly event: CapturedEvent
  readonly raceDrivers: ReadonlyArray<CapturedDriver>
  /** The results tables of the real race pages, by race id. */
  readonly raceRows: ReadonlyMap<string, ReadonlyArray<CapturedResultRow>>
}

const entities: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: "\"", apos: "'", nbsp: " " }

const decodeEntities = (text: string): string =>
  text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, code: string) => {
    if (code.startsWith("#x") || code.startsWith("#X")) return String.fromCodePoint(parseInt(code.slice(2), 16))
    if (code.startsWith("#")) return String.fromCodePoint(Number(code.slice(1)))
    return entities[code.toLowerCase()] ?? whole
  })

const textOf = (fragment: string): string => decodeEntities(fragment.replace(/<[^>]*>/g, " ")).replace(/\s+/g, " ").trim()

const months: Record<string, string> = {
  Jan: "01", Feb: "02", Mar: "03", Apr: "04", May: "05", Jun: "06",
  Jul: "07", Aug: "08", Sep: "09", Oct: "10", Nov: "11", Dec: "12"
}

/** `Nov 16, 2025` -> `2025-11-16`. */
const isoDate = (text: string): string | null => {
  const m = /([A-Z][a-z]{2}) (\d{1,2}), (\d{4})/.exec(text)
  if (m === null) return null
  return `${m[3]}-${months[m[1] ?? ""]}-${(m[2] ?? "").padStart(2, "0")}`
}

/** `Nov 16, 2025 at 5:30pm` -> `2025-11-16T17:30:00`. */
const isoDateTime = (text: string): string | null => {
  const date = isoDate(text)
  const m = /at (\d{1,2}):(\d{2})(am|pm)/.exec(text)
  if (date === null || m === null) return null
  const hour12 = Number(m[1]) % 12
  const hour = m[3] === "pm" ? hour12 + 12 : hour12
  return `${date}T${String(hour).padStart(2, "0")}:${m[2]}:00`
}

const extractTrackNames = (catalogue: string): Map<string, string> => {
  const names = new Map<string, string>()
  // Hostnames are case-insensitive; one real row writes `//FastandFunToyandHobby.liverc.com/`.
  const link = /<a href="\/\/([A-Za-z0-9-]+)\.liverc\.com\/"\s*>\s*<strong>([\s\S]*?)<\/strong>/g
  for (const m of catalogue.matchAll(link)) names.set((m[1] as string).toLowerCase(), textOf(m[2] as string))
  return names
}

const extractListedEvents = (page: string): Map<string, CapturedListedEvent> => {
  const out = new Map<string, CapturedListedEvent>()
  const row = /view_event&id=(\d+)"\s*>([\s\S]*?)<\/a\s*>[\s\S]*?<span class="hidden">([^<]*)<\/span>[\s\S]*?<td>\s*(\d+)\s*<\/td>\s*<td>\s*(\d+)\s*<\/td>/g
  for (const m of page.matchAll(row)) {
    const eventId = m[1] as string
    out.set(eventId, {
      eventId,
      name: textOf(m[2] as string),
      startsAt: (m[3] as string).trim().replace(" ", "T"),
      entries: Number(m[4]),
      drivers: Number(m[5])
    })
  }
  return out
}

const extractSideLinks = (page: string): CapturedSideLinks => {
  const links = (pageName: string) =>
    [...page.matchAll(new RegExp(`p=${pageName}&id=(\\d+)(?:&o=([a-z_0-9]+))?"[^>]*>([\\s\\S]*?)</a\\s*>`, "g"))].map((m) => ({
      id: m[1] as string,
      order: m[2] ?? null,
      label: textOf(m[3] as string)
    }))
  return {
    multiMains: links("view_multi_main_result").map(({ id, label }) => ({ id, label })),
    points: links("view_points").map(({ id, label }) => {
      const rounds = /\((\d+) of (\d+)\)/.exec(label)
      return { id, label, counted: rounds === null ? null : Number(rounds[1]), of: rounds === null ? null : Number(rounds[2]) }
    }),
    roundRankings: links("view_round_ranking").map(({ id, label, order }) => ({ id, label, order })),
    overallRankingId: /p=event_overall_ranking&id=(\d+)/.exec(page)?.[1] ?? null
  }
}

/** `10:14.477` or `36.589` -> milliseconds. */
const clockMillis = (text: string): number | null => {
  const m = /^(?:(\d+):)?(\d+)\.(\d{3})$/.exec(text)
  return m === null ? null : (Number(m[1] ?? 0) * 60 + Number(m[2])) * 1000 + Number(m[3])
}

const extractResultRows = (page: string): Array<CapturedResultRow> => {
  const body = /<table class="table table-striped race_result"[\s\S]*?<tbody>([\s\S]*?)<\/tbody>/.exec(page)?.[1] ?? ""
  return [...body.matchAll(/<tr>([\s\S]*?)<\/tr>/g)].flatMap((row): Array<CapturedResultRow> => {
    const cells = [...(row[1] as string).matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((cell) => cell[1] as string)
    const name = /<span class="driver_name">([\s\S]*?)<\/span>/.exec(cells[1] ?? "")
    const position = Number(textOf(cells[0] ?? ""))
    if (name === null || !Number.isInteger(position) || position < 1) return []
    const lapsTime = /^(\d+)\/(\S+)$/.exec(textOf(cells[3] ?? ""))
    const qual = Number(textOf(cells[2] ?? ""))
    return [{
      position,
      driverName: textOf(name[1] as string),
      qualPosition: Number.isInteger(qual) && qual > 0 ? qual : null,
      lapsCompleted: lapsTime === null ? 0 : Number(lapsTime[1]),
      totalTimeMs: lapsTime === null ? null : clockMillis(lapsTime[2] as string)
    }]
  })
}

const extractEvent = (eventId: string, page: string): CapturedEvent => {
  const h3 = /<h3 class="page-header[^"]*">([\s\S]*?)<\/h3>/.exec(page)
  const h5 = /<h5 class="page-header[^"]*">([\s\S]*?)<\/h5>/.exec(page)
  const races: Array<CapturedRaceRow> = []
  let round = ""
  const rows = /<tr>\s*<th>([^<]*)<\/th>\s*<th>Time Completed<\/th>|view_race_result&id=(\d+)"[^>]*>([\s\S]*?)<\/a\s*>\s*<\/td>\s*<td>([^<]*)<\/td>/g
  for (const m of page.matchAll(rows)) {
    if (m[1] !== undefined) {
      round = m[1].trim()
      continue
    }
    const text = textOf(m[3] as string)
    const numbered = /^Race (\d+): (.*)$/.exec(text)
    const rest = numbered?.[2] ?? text
    const open = rest.indexOf(" (")
    const className = open < 0 ? rest : rest.slice(0, open)
    const label = open < 0 ? rest : rest.slice(open + 2, rest.lastIndexOf(")"))
    races.push({
      raceId: m[2] as string,
      raceNumber: Number(numbered?.[1] ?? 0),
      className,
      label,
      round,
      completedAt: isoDateTime(textOf(m[4] as string))
    })
  }
  return {
    eventId,
    name: textOf(h3?.[1] ?? ""),
    date: isoDate(textOf(h5?.[1] ?? "")) ?? "2025-11-16",
    entries: Number(/Entries:\s*(\d+)/.exec(page)?.[1] ?? 0),
    drivers: Number(/Drivers:\s*(\d+)/.exec(page)?.[1] ?? 0),
    races,
    sideLinks: extractSideLinks(page)
  }
}

const extractDrivers = (page: string, className: string): Array<CapturedDriver> =>
  [...page.matchAll(/racerLaps\[(\d+)\] = \{\s*'driverName' : '((?:[^'\\]|\\.)*)'/g)].map((m) => ({
    id: m[1] as string,
    name: (m[2] as string).replace(/\\(.)/g, "$1"),
    className
  }))

const load = (): CapturedPages => {
  const base = new URL("./captured/", import.meta.url)
  const read = (path: string) => readFileSync(new URL(path, base))
  const catalogue = read("track_catalogue.html")
  const eventsPage = read("canberraoffroad_events.html")
  const eventPage = read("event-486677/event.html")
  const race6304829 = read("event-486677/race.6304829.html")
  const race6304822 = read("event-486677/race.6304822.html")
  const event = extractEvent("486677", eventPage.toString("utf8"))
  const classOf = (raceId: string) => event.races.find((race) => race.raceId === raceId)?.className ?? ""
  const trackNames = extractTrackNames(catalogue.toString("utf8"))
  return {
    catalogue,
    dashboards: new Map([
      ["canberraoffroad", read("canberraoffroad_dashboard.html")],
      ["bbrcc", read("bbrcc_dashboard.html")]
    ]),
    eventLists: new Map([["canberraoffroad", eventsPage]]),
    events: new Map([["486677", eventPage]]),
    races: new Map([["6304829", race6304829], ["6304822", race6304822]]),
    trackNames,
    catalogueSlugs: [...trackNames.keys()],
    listedEvents: extractListedEvents(eventsPage.toString("utf8")),
    event,
    raceDrivers: [
      ...extractDrivers(race6304829.toString("utf8"), classOf("6304829")),
      ...extractDrivers(race6304822.toString("utf8"), classOf("6304822"))
    ],
    raceRows: new Map([
      ["6304829", extractResultRows(race6304829.toString("utf8"))],
      ["6304822", extractResultRows(race6304822.toString("utf8"))]
    ])
  }
}

let loaded: CapturedPages | undefined

/** Read once per process; the files are small and never change. */
export const capturedPages = (): CapturedPages => (loaded ??= load())
