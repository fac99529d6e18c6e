import type { Cheerio, CheerioAPI } from "cheerio"
import type { Element } from "domhandler"
import type { Effect } from "effect"
import type { LiveRcParseError } from "./LiveRcParseError.ts"
import { TrackDashboard } from "./models/TrackDashboard.ts"
import {
  collapse,
  integerOf,
  linesOf,
  loadPage,
  mismatch,
  nonBlank,
  queryParams,
  runParser,
  textOf
} from "./PageParsing.ts"
import { digitsStart, hasLineTerminator, isSpace, spaceRunStart } from "./TextScan.ts"

/**
 * A track's home page: the "About" panel's postal address and contacts, the map, the logo, the
 * Facebook link and the lifetime stats. Everything is optional on LiveRC, so each field is null
 * when absent; a page with none of the dashboard's panels is not a dashboard at all.
 */

const panelBody = ($: CheerioAPI, heading: RegExp): Cheerio<Element> | null => {
  for (const element of $("div.panel-heading").toArray()) {
    if (heading.test(textOf($(element)))) return $(element).parent().children("div.panel-body").first()
  }
  return null
}

/** `P: ...`, `W: ...`, `E: ...`: the contact lines after the postal ones. */
const CONTACT = /^[A-Za-z]{1,2}:/
const isUpper = (code: number) => code >= 65 && code <= 90

/**
 * `Narrabundah 02604`, `Batemans Bay A2536`, `Springfield, IL 62701` -> city, region, postcode:
 * what `/^(.*?)(?:,\s*|\s+)(?:([A-Z]{1,3})\s*)?(\d{4,5}(?:-\d{4})?)$/` captures, read from the
 * end in one pass (the pattern's lazy city retries the rest from every position).
 */
export const cityLine = (
  text: string
): { readonly city: string; readonly region: string | null; readonly postcode: string } | null => {
  // The postcode: 4-5 digits, then perhaps `-` and 4 more, at the very end; nothing before it may be a digit.
  let start = digitsStart(text, text.length)
  let digits = text.length - start
  if (digits === 4 && text.charCodeAt(start - 1) === 45 /* - */) {
    const plus4 = start - 1
    start = digitsStart(text, plus4)
    digits = plus4 - start
  }
  if (digits < 4 || digits > 5) return null
  const postcode = text.slice(start)
  // The separator `,\s*` or `\s+` ends at `at`; the city is what comes before it, without a line break.
  const withSeparator = (at: number): string | null => {
    const spaces = spaceRunStart(text, at)
    const end = text.charCodeAt(spaces - 1) === 44 /* , */ ? spaces - 1 : spaces < at ? spaces : -1
    return end === -1 || hasLineTerminator(text, 0, end) ? null : text.slice(0, end)
  }
  // With a region (1-3 capitals, then spaces) the city is shorter, and the lazy pattern prefers that.
  const regionEnd = spaceRunStart(text, start)
  let regionStart = regionEnd
  while (regionStart > 0 && regionEnd - regionStart < 4 && isUpper(text.charCodeAt(regionStart - 1))) regionStart--
  const regionLength = regionEnd - regionStart
  if (regionLength >= 1 && regionLength <= 3 && !isUpper(text.charCodeAt(regionStart - 1))) {
    const city = withSeparator(regionStart)
    if (city !== null) return { city, region: text.slice(regionStart, regionEnd), postcode }
  }
  const city = withSeparator(start)
  return city === null ? null : { city, region: null, postcode }
}
const COUNTRY = /^[A-Za-z][A-Za-z .'()-]*$/

const httpUrl = (value: string | undefined): string | null => {
  if (value === undefined) return null
  const trimmed = value.trim()
  const absolute = trimmed.startsWith("//") ? `https:${trimmed}` : trimmed
  try {
    const url = new URL(absolute)
    return url.protocol === "http:" || url.protocol === "https:" ? absolute : null
  } catch {
    return null
  }
}

const isAddressChar = (code: number) =>
  !isSpace(code) && code !== 64 /* @ */ && code !== 60 /* < */ && code !== 62 /* > */ && code !== 40 && code !== 41

/**
 * `/^[^\s@<>()]+@[^\s@<>()]+\.[^\s@<>()]+$/` in one pass: one `@` with something before it, and
 * after it a dot with something on both sides. No address is longer than 254 characters.
 */
export const isEmail = (text: string): boolean => {
  if (text.length > 254) return false
  const at = text.indexOf("@")
  if (at < 1) return false
  for (let i = 0; i < text.length; i++) if (i !== at && !isAddressChar(text.charCodeAt(i))) return false
  const dot = text.indexOf(".", at + 2)
  return dot !== -1 && dot < text.length - 1
}

/** LiveRC hides addresses as `javascript:noSpam('user', 'domain')` with an entity-encoded text. */
const emailOf = (address: Cheerio<Element>): string | null => {
  const link = address.find("a[href^='javascript:noSpam']").first()
  if (link.length === 0) return null
  const text = textOf(link)
  if (isEmail(text)) return text
  const parts = /noSpam\(\s*['"]([^'"]+)['"]\s*,\s*['"]([^'"]+)['"]\s*\)/.exec(link.attr("href") ?? "")
  const decoded = parts === null ? "" : `${parts[1]}@${parts[2]}`
  return isEmail(decoded) ? decoded : null
}

const phoneOf = (address: Cheerio<Element>, lines: ReadonlyArray<string>): string | null => {
  const tel = address.find("a[href^='tel:']").first()
  if (tel.length > 0) {
    const number = nonBlank(collapse(textOf(tel) || (tel.attr("href") ?? "").slice(4)))
    if (number !== null) return number
  }
  const line = lines.find((l) => /^P:/i.test(l))
  const value = line === undefined ? "" : line.slice(2).trim()
  // "P: N/A" is LiveRC saying there is none.
  return value === "" || /^n\/?a$/i.test(value) ? null : value
}

const coordinate = (value: string | undefined, limit: number): number | null => {
  if (value === undefined || !/^-?\d{1,3}(?:\.\d+)?$/.test(value.trim())) return null
  const number = Number(value)
  return Math.abs(number) <= limit ? number : null
}

const extract = (html: string): typeof TrackDashboard.Encoded => {
  const $ = loadPage(html)
  const about = panelBody($, /^About\b/i)
  const statsPanel = panelBody($, /Lifetime Track Stats/i)
  const title = textOf($("h1.page-header").first())
  if (about === null && statsPanel === null && !/dashboard/i.test(title)) {
    mismatch("not a track dashboard (no About panel, no Lifetime Track Stats, no Dashboard title)")
  }

  const address = about?.find("address").first() ?? $("address").first()
  const lines = linesOf(address)
  const strong = textOf(address.find("strong").first())
  const name = nonBlank(strong) ?? nonBlank(title.replace(/['’]s Dashboard$/i, "").trim())
  const postal = lines.filter((line) => line !== strong && !CONTACT.test(line))
  const country = postal.length >= 2 && COUNTRY.test(postal[postal.length - 1]!) ? postal[postal.length - 1]! : null
  const postalCity = postal[postal.length - (country === null ? 1 : 2)] ?? ""
  const cityMatch = cityLine(postalCity)

  const mapSrc = $("iframe[src*='google.com/maps']").first().attr("src") ?? ""
  const mapParams = queryParams(mapSrc)
  const [lat, lng] = (mapParams.get("center") ?? "").split(",")
  const latitude = coordinate(lat, 90)
  const longitude = coordinate(lng, 180)

  const descriptionRow = about?.find("div.row").eq(1)
  const description = descriptionRow === undefined ? "" : textOf(descriptionRow)

  const facebookBody = panelBody($, /Facebook/i)
  const stat = (test: (label: string) => boolean): number | null => {
    for (const row of statsPanel?.find("tr").toArray() ?? []) {
      if (test(textOf($(row).children("th").first()).toLowerCase())) {
        return integerOf(textOf($(row).children("td").first()))
      }
    }
    return null
  }

  return {
    name,
    address: postal.length > 0 ? postal.join(", ") : nonBlank(collapse(mapParams.get("q") ?? "")),
    city: nonBlank(cityMatch?.city.trim() ?? ""),
    region: cityMatch?.region ?? null,
    postcode: cityMatch?.postcode ?? null,
    country,
    phone: phoneOf(address, lines),
    email: emailOf(address),
    website: httpUrl(address.find("a[href^='http']").first().attr("href")),
    facebookUrl: httpUrl(facebookBody?.find("a[href*='facebook.com']").first().attr("href")),
    logoUrl: httpUrl($("img[src*='livetimescoring.com/track_logos']").first().attr("src")),
    description: description.length > 20 ? description : null,
    latitude: latitude !== null && longitude !== null ? latitude : null,
    longitude: latitude !== null && longitude !== null ? longitude : null,
    stats: {
      events: stat((label) => label.includes("event")),
      races: stat((label) => label.includes("race") && !label.includes("lap")),
      entries: stat((label) => label === "entries"),
      laps: stat((label) => label.includes("lap") && !label.includes("practice")),
      practiceSessions: stat((label) => label.includes("practice"))
    }
  }
}

/** Parses a track's dashboard at `https://{track}.liverc.com/`. */
export const parseTrackDashboard = (html: string, url: string): Effect.Effect<TrackDashboard, LiveRcParseError> =>
  runParser("track-dashboard", url, TrackDashboard, () => extract(html))
