import { describe, expect, it } from "vitest"
import { parseEventList } from "../../src/liverc/EventListParser.ts"
import { capturedPage, parsed, parseFailure, trackUrl } from "../support/LiveRcPages.ts"

const listUrl = trackUrl("/results/")
const eventsHtml = () => capturedPage("canberraoffroad_events.html")

describe("parseEventList on canberraoffroad's /results/", () => {
  const list = parsed(parseEventList(eventsHtml(), listUrl))

  it("lists all 100 events, newest first", () => {
    expect(list.events).toHaveLength(100)
    expect(list.events[0]).toEqual({
      eventId: "486677",
      name: "Cormcc 2025 Rudi Wensing Memorial, Clay Cup",
      startsAt: "2025-11-16T08:30:00",
      entries: 71,
      drivers: 60
    })
    expect(list.events[1]).toEqual({
      eventId: "484916",
      name: "2025 Campbelltown Hobbies Winter Series Round-7",
      startsAt: "2025-10-26T00:00:00",
      entries: 27,
      drivers: 22
    })
    expect(list.events[99]).toEqual({
      eventId: "265957",
      name: "Winter Series Round 6",
      startsAt: "2017-09-10T09:00:00",
      entries: 12,
      drivers: 12
    })
  })

  it("keeps a one-letter event with no entries", () => {
    expect(list.events.find((event) => event.eventId === "474381")).toEqual({
      eventId: "474381",
      name: "T",
      startsAt: "2025-07-06T00:00:00",
      entries: 0,
      drivers: 0
    })
  })

  it("has distinct ids and start times in order", () => {
    expect(new Set(list.events.map((event) => event.eventId)).size).toBe(100)
    const times = list.events.map((event) => event.startsAt)
    expect([...times].sort().reverse()).toEqual(times)
  })

  it("reads %5F-encoded event links", () => {
    const encoded = eventsHtml().replace(/p=view_event/g, "p=view%5Fevent")
    expect(parsed(parseEventList(encoded, listUrl))).toEqual(list)
  })

  it("falls back to the visible date when the sortable one is missing", () => {
    const html = eventsHtml().replace(`<span class="hidden">2025-11-16 08:30:00</span>`, "")
    expect(parsed(parseEventList(html, listUrl)).events[0]!.startsAt).toBe("2025-11-16T00:00:00")
  })
})

describe("parseEventList on pages that do not fit", () => {
  it("reads an empty events table as no events", () => {
    const placeholder = `<tr><td colspan="4" class="dataTables_empty">No data available in table</td></tr>`
    const html = eventsHtml().replace(/<tbody>[\s\S]*<\/tbody>/, `<tbody>${placeholder}</tbody>`)
    expect(parsed(parseEventList(html, listUrl))).toEqual({ events: [] })
  })

  it("refuses a page without table#events", () => {
    expect(parseFailure(parseEventList(capturedPage("event-486677/event.html"), listUrl)).reason).toMatch(/table#events/)
  })

  it("refuses an event row without any date", () => {
    const html = eventsHtml().replace(`<td><span class="hidden">2025-11-16 08:30:00</span>Nov 16, 2025</td>`, "<td></td>")
    expect(parseFailure(parseEventList(html, listUrl)).reason).toBe("event 486677 has no date")
  })
})
