import type { Effect } from "effect"
import type { LiveRcParseError } from "./LiveRcParseError.ts"
import { type CatalogueTrack, TrackCatalogue } from "./models/TrackCatalogue.ts"
import { loadPage, mismatch, nonBlank, runParser, textOf } from "./PageParsing.ts"

/**
 * The catalogue at live.liverc.com: one `tr.clickable-row` per track, linking `//SLUG.liverc.com/`.
 * A row whose link is not a track site is skipped, so one odd row cannot hide the other thousand.
 */

const TRACK_HOST = /^(?:https?:)?\/\/([a-z0-9][a-z0-9-]{0,62})\.liverc\.com(?::\d+)?(?:[/?#]|$)/i

/** Host names are case-insensitive; LiveRC lists at least one track as `//FastandFun....liverc.com/`. */
export const slugOfTrackHref = (href: string): string | null => {
  const match = TRACK_HOST.exec(href.trim())
  const slug = match?.[1]?.toLowerCase() ?? null
  return slug === null || slug === "live" || slug === "www" ? null : slug
}

const extract = (html: string): typeof TrackCatalogue.Encoded => {
  const $ = loadPage(html)
  const rows = $("table.track_list tr.clickable-row")
  if (rows.length === 0) mismatch("no track rows (table.track_list tr.clickable-row)")
  const tracks: Array<typeof CatalogueTrack.Encoded> = []
  const seen = new Set<string>()
  for (const row of rows.toArray()) {
    const anchor = $(row).find("td a[href]").first()
    const slug = slugOfTrackHref(anchor.attr("href") ?? "")
    if (slug === null || seen.has(slug)) continue
    const strong = anchor.find("strong").first()
    const name = textOf(strong.length > 0 ? strong : anchor)
    if (name === "") continue
    seen.add(slug)
    tracks.push({
      slug,
      name,
      lastActivity: nonBlank(textOf($(row).children("td").first().find("small small").first()))
    })
  }
  if (tracks.length === 0) mismatch("no row links to a track site")
  return { tracks }
}

/** Parses the catalogue at `https://live.liverc.com/`. */
export const parseTrackCatalogue = (html: string, url: string): Effect.Effect<TrackCatalogue, LiveRcParseError> =>
  runParser("track-catalogue", url, TrackCatalogue, () => extract(html))
