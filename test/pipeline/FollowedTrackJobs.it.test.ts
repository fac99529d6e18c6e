import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { JobStatus } from "../../src/jobs/JobStatus.ts"
import { startSyncRig, type SyncRig } from "./SyncRig.ts"

/**
 * The jobs of the default schedules over followed tracks, through the real worker against the
 * simulator: `sync_followed_events` (the seed's 00:30 job) and `ingest_recent` (02:00).
 */

const TRACK = "canberraoffroad"
/** A real captured event of TRACK that the simulator serves whole. */
const RECENT_EVENT = "486677"

let rig: SyncRig
beforeAll(async () => {
  rig = await startSyncRig()
  await rig.startWorker()
}, 60_000)
afterAll(async () => {
  await rig?.close()
})

const result = (status: JobStatus) => status.result as Record<string, any>

const follow = (slug: string) => rig.query(`INSERT INTO followed_tracks (track_slug) VALUES ($1) ON CONFLICT DO NOTHING`, [slug])

describe("sync_followed_events", () => {
  it("syncs every followed track's events list; a track LiveRC does not know is reported, not fatal", async () => {
    await follow(TRACK)
    await follow("no-such-track")
    rig.sim.configure({ unknownTracks: ["no-such-track"] })
    const status = await rig.run({ kind: "sync_followed_events" }).finally(() => rig.sim.configure({ unknownTracks: [] }))
    expect(status.status, JSON.stringify(status)).toBe("completed")
    expect(result(status)).toMatchObject({ tracks: 2, synced: 1, failed: 1 })
    expect(result(status).failures).toEqual([
      { track_slug: "no-such-track", code: "TRACK_NOT_FOUND", message: expect.any(String) }
    ])
    const [stored] = await rig.query<{ n: number }>(
      `SELECT count(*)::int4 AS n FROM events e JOIN tracks t ON t.id = e.track_id WHERE t.slug = $1`,
      [TRACK]
    )
    expect(stored!.n).toBe(100)
  })
})

describe("ingest_recent", () => {
  it("ingests exactly the followed tracks' recent events not yet stored at the depth", async () => {
    // The events list above stored TRACK's events with their real (old) dates; three are moved
    // into the window: one eligible, one too young, one already stored at full depth.
    const [other, stored] = await rig.query<{ source_event_id: string }>(
      `SELECT e.source_event_id FROM events e JOIN tracks t ON t.id = e.track_id
       WHERE t.slug = $1 AND e.source_event_id <> $2 ORDER BY e.source_event_id LIMIT 2`,
      [TRACK, RECENT_EVENT]
    )
    await rig.query(`UPDATE events SET date = current_date - 2 WHERE source_event_id = $1`, [RECENT_EVENT])
    await rig.query(`UPDATE events SET date = current_date + 1 WHERE source_event_id = $1`, [other!.source_event_id])
    await rig.query(`UPDATE events SET date = current_date - 1, ingest_depth = 'laps_full' WHERE source_event_id = $1`, [
      stored!.source_event_id
    ])

    const status = await rig.run({
      kind: "ingest_recent",
      window_days: 7,
      min_age_hours: 12,
      depth: "laps_full",
      max_events: 50,
      max_per_track: 5
    }, 120_000)
    expect(status.status, JSON.stringify(status)).toBe("completed")
    expect(result(status)).toMatchObject({
      depth: "laps_full",
      eligible: 1,
      ingested: 1,
      failed: 0,
      events: [{ event_id: RECENT_EVENT, track_slug: TRACK, date: expect.any(String) }]
    })
    const [event] = await rig.query<{ ingest_depth: string; races: number }>(
      `SELECT e.ingest_depth, (SELECT count(*)::int4 FROM races r WHERE r.event_id = e.id) AS races
       FROM events e WHERE e.source_event_id = $1`,
      [RECENT_EVENT]
    )
    expect(event!.ingest_depth).toBe("laps_full")
    expect(event!.races).toBeGreaterThan(0)

    // Stored at full depth now: the next run finds nothing to do.
    const again = await rig.run({
      kind: "ingest_recent",
      window_days: 7,
      min_age_hours: 12,
      depth: "laps_full",
      max_events: 50,
      max_per_track: 5
    })
    expect(result(again)).toMatchObject({ eligible: 0, ingested: 0, events: [] })
  })
})
