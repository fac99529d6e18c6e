import type { Effect } from "effect"
import type { LiveRcParseError } from "./LiveRcParseError.ts"
import { EventList, type ListedEvent } from "./models/EventList.ts"
import {
  englishDate,
  integerOf,
  liveRcIdOf,
  loadPage,
  mismatch,
  pageOf,
  queryParams,
  runParser,
  sortableDateTime,
  textOf
} from "./PageParsing.ts"

/**
 * A track's events list (`/events` and `/results/` share it): one `table#events` row per event.
 * DataTables pages it in the browser, but every row is in the HTML.
 */

const extract = (html: string): typeof EventList.Encoded => {
  const $ = loadPage(html)
  const table = $("table#events").first()
  if (table.length === 0) mismatch("no events table (table#events)")
  const events: Array<typeof ListedEvent.Encoded> = []
  const seen = new Set<string>()
  for (const row of table.find("tr").toArray()) {
    const cells = $(row).children("td")
    // Header/footer rows have no td; DataTables' "no data" row has no event link.
    const anchor = cells.first().find("a[href]").first()
    if (anchor.length === 0) continue
    const params = queryParams(anchor.attr("href") ?? "")
    if (pageOf(params) !== "view_event") continue
    const eventId = liveRcIdOf(params.get("id"))
    if (eventId === null) mismatch(`an event link without a valid id: ${JSON.stringify(anchor.attr("href"))}`)
    if (seen.has(eventId)) continue
    seen.add(eventId)
    const dateCell = cells.eq(1)
    const sortable = sortableDateTime(textOf(dateCell.find("span.hidden").first()))
    // Without the sortable span the visible `Nov 16, 2025` still gives the day.
    const visible = englishDate(textOf(dateCell.clone().children("span.hidden").remove().end()))
    const startsAt = sortable ?? (visible === null ? null : `${visible}T00:00:00`)
    if (startsAt === null) mismatch(`event ${eventId} has no date`)
    events.push({
      eventId,
      name: textOf(anchor),
      startsAt,
      entries: integerOf(textOf(cells.eq(2))) ?? 0,
      drivers: integerOf(textOf(cells.eq(3))) ?? 0
    })
  }
  return { events }
}

/** Parses `/events` or `/results/` of a track. */
export const parseEventList = (html: string, url: string): Effect.Effect<EventList, LiveRcParseError> =>
  runParser("events", url, EventList, () => extract(html))
