import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { JobStatus } from "../../src/jobs/JobStatus.ts"
import { parseEventList } from "../../src/liverc/EventListParser.ts"
import { startSyncRig, type SyncRig } from "./SyncRig.ts"

/** `sync_events` jobs through the real worker against the simulator. */

let rig: SyncRig
beforeAll(async () => {
  rig = await startSyncRig()
  await rig.startWorker()
}, 60_000)
afterAll(async () => {
  await rig?.close()
})

const result = (status: JobStatus) => status.result as Record<string, unknown>

const storedEvents = (slug: string) =>
  rig.query<{ source_event_id: string; name: string; starts_at: string; entries: number; drivers: number }>(
    `SELECT e.source_event_id, e.name, to_char(e.starts_at, 'YYYY-MM-DD"T"HH24:MI:SS') AS starts_at, e.entries, e.drivers
     FROM events e JOIN tracks t ON t.id = e.track_id WHERE t.slug = $1 ORDER BY e.source_event_id`,
    [slug]
  )

describe("events sync", () => {
  it("stores canberraoffroad's 100 real listed events; a second run changes nothing", async () => {
    const captured = readFileSync(join(import.meta.dirname, "../../src/sim/captured/canberraoffroad_events.html"), "utf8")
    const { events } = await Effect.runPromise(parseEventList(captured, "https://canberraoffroad.liverc.com/events"))
    expect(events).toHaveLength(100)

    const first = await rig.run({ kind: "sync_events", track_slug: "canberraoffroad" })
    expect(first.status, JSON.stringify(first)).toBe("completed")
    expect(result(first)).toEqual({
      track_slug: "canberraoffroad",
      events: 100,
      new: 100,
      updated: 0,
      unchanged: 0,
      lists: ["events", "results"]
    })
    const expected = events
      .map((event) => ({
        source_event_id: event.eventId,
        name: event.name,
        starts_at: event.startsAt,
        entries: event.entries,
        drivers: event.drivers
      }))
      .sort((a, b) => (a.source_event_id < b.source_event_id ? -1 : 1))
    expect(await storedEvents("canberraoffroad")).toEqual(expected)

    const second = await rig.run({ kind: "sync_events", track_slug: "canberraoffroad" })
    expect(result(second)).toMatchObject({ events: 100, new: 0, updated: 0, unchanged: 100 })
    expect(await storedEvents("canberraoffroad")).toEqual(expected)
  })

  it("adds an event that appeared on the list since the last run", async () => {
    const slug = "someplace-raceway"
    const first = await rig.run({ kind: "sync_events", track_slug: slug })
    const listed = rig.sim.data().eventList(slug).events.length
    expect(result(first)).toMatchObject({ events: listed, new: listed })
    rig.sim.mutate({ kind: "events", track: slug })
    const second = await rig.run({ kind: "sync_events", track_slug: slug })
    expect(result(second)).toMatchObject({ events: listed + 1, new: 1, updated: 0, unchanged: listed })
    expect(await storedEvents(slug)).toHaveLength(listed + 1)
  })

  it("fails terminally with TRACK_NOT_FOUND for a track LiveRC does not know", async () => {
    rig.sim.configure({ unknownTracks: ["nosuchtrack"] })
    try {
      const status = await rig.run({ kind: "sync_events", track_slug: "nosuchtrack" })
      expect(status.status).toBe("failed")
      expect(status.error_code).toBe("TRACK_NOT_FOUND")
      expect(status.attempts).toBe(1)
      expect(await storedEvents("nosuchtrack")).toHaveLength(0)
    } finally {
      rig.sim.configure({ unknownTracks: [] })
    }
  })

  describe("when /results/ cannot be read", () => {
    beforeAll(async () => {
      await rig.startWorker({ LIVERC_REQUEST_TIMEOUT: "300 millis" })
      rig.sim.configure({ latencyRules: [{ match: "/results/$", latency: { fixedMs: 2_000 } }] })
    })
    afterAll(() => {
      rig.sim.configure({ latencyRules: [] })
    })

    it("syncs from /events alone and says so", async () => {
      const status = await rig.run({ kind: "sync_events", track_slug: "otherplace-circuit" })
      expect(status.status, JSON.stringify(status)).toBe("completed")
      const listed = rig.sim.data().eventList("otherplace-circuit").events.length
      expect(result(status)).toMatchObject({ events: listed, new: listed, lists: ["events"], results_list_error: "timeout" })
    })
  })
})
