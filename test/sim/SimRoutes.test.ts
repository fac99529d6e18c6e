import { describe, expect, it } from "vitest"
import { parseRoute } from "../../src/sim/SimRoutes.ts"

describe("SimRoutes", () => {
  it("routes LiveRC's layout with tracks under /t/{track}", () => {
    expect(parseRoute("/")).toEqual({ kind: "track-catalogue" })
    expect(parseRoute("/robots.txt")).toEqual({ kind: "robots", slug: null })
    expect(parseRoute("/t/canberraoffroad/")).toEqual({ kind: "track-dashboard", slug: "canberraoffroad" })
    expect(parseRoute("/t/canberraoffroad")).toEqual({ kind: "track-dashboard", slug: "canberraoffroad" })
    expect(parseRoute("/t/x/events")).toEqual({ kind: "events", slug: "x" })
    expect(parseRoute("/t/x/results/")).toEqual({ kind: "results", slug: "x" })
    expect(parseRoute("/t/x/robots.txt")).toEqual({ kind: "robots", slug: "x" })
    expect(parseRoute("/t/x/results/?p=view_event&id=486677")).toEqual({ kind: "event", slug: "x", id: "486677" })
    expect(parseRoute("/t/x/results/?p=view_entry_list&id=1")).toEqual({ kind: "entry-list", slug: "x", id: "1" })
    expect(parseRoute("/t/x/results/?p=view_race_result&id=6304829")).toEqual({ kind: "race-result", slug: "x", id: "6304829" })
    expect(parseRoute("/t/x/results/?p=view_multi_main_result&id=9")).toEqual({ kind: "multi-main", slug: "x", id: "9" })
    expect(parseRoute("/t/x/results/?p=view_points&id=9")).toEqual({ kind: "points", slug: "x", id: "9" })
    expect(parseRoute("/t/x/results/?p=view_round_ranking&id=9&o=laps_time")).toEqual({
      kind: "round-ranking",
      slug: "x",
      id: "9",
      order: "laps_time"
    })
    expect(parseRoute("/t/x/results/?p=event_overall_ranking&id=9")).toEqual({ kind: "overall-ranking", slug: "x", id: "9" })
    expect(parseRoute("/t/x/practice/?p=calendar&d=2025-10")).toEqual({ kind: "practice-month", slug: "x", month: "2025-10" })
    expect(parseRoute("/t/x/practice/?p=session_list&d=2025-10-25")).toEqual({ kind: "practice-day", slug: "x", date: "2025-10-25" })
    expect(parseRoute("/t/x/practice/?p=view_session&id=77")).toEqual({ kind: "practice-session", slug: "x", id: "77" })
  })

  it("accepts %5F for _ in page names", () => {
    expect(parseRoute("/t/x/results/?p=view%5Frace%5Fresult&id=5")).toEqual({ kind: "race-result", slug: "x", id: "5" })
    expect(parseRoute("/t/x/practice/?p=session%5flist&d=2025-10-25")?.kind).toBe("practice-day")
  })

  it("refuses invalid slugs, ids, months, dates and unknown pages", () => {
    for (
      const target of [
        "/t/Bad/",
        "/t/a.b/",
        "/t/../etc/",
        "/t/%2e%2e/",
        "/t/x/results/?p=view_event",
        "/t/x/results/?p=view_event&id=0",
        "/t/x/results/?p=view_event&id=012",
        "/t/x/results/?p=view_event&id=1234567890123",
        "/t/x/results/?p=view_event&id=1e5",
        "/t/x/results/?p=view_heat_sheet&id=1",
        "/t/x/results/?p=view_round_ranking&id=1&o=fastest",
        "/t/x/practice/?p=calendar&d=2025-13",
        "/t/x/practice/?p=calendar&y=2025&m=10",
        "/t/x/practice/?p=session_list&d=2025-02-30",
        "/t/x/practice/",
        "/t/x/live/",
        "/t/x/results/extra",
        "/tracks",
        "/t/"
      ]
    ) {
      expect(parseRoute(target), target).toBeNull()
    }
  })
})
