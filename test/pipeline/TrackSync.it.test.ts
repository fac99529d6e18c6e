import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { JobStatus } from "../../src/jobs/JobStatus.ts"
import { registry } from "../../src/observability/Metrics.ts"
import { sleep } from "../support/QueueProbe.ts"
import { startSyncRig, type SyncRig } from "./SyncRig.ts"

/**
 * `sync_tracks` jobs through the real worker against the simulator serving the REAL catalogue
 * page (1,090 tracks) with synthetic dashboards.
 */

const CATALOGUE_TRACKS = 1090

let rig: SyncRig
beforeAll(async () => {
  rig = await startSyncRig()
  await rig.startWorker()
}, 60_000)
afterAll(async () => {
  await rig?.close()
})

const result = (status: JobStatus) => status.result as Record<string, unknown>

const trackRows = () =>
  rig.query<{ n: number; distinct_slugs: number; with_dashboard: number; active: number }>(
    `SELECT count(*)::int4 AS n, count(DISTINCT slug)::int4 AS distinct_slugs,
       count(dashboard_synced_at)::int4 AS with_dashboard, count(*) FILTER (WHERE active)::int4 AS active
     FROM tracks`
  ).then((rows) => rows[0]!)

const backlog = async () => (await registry.getSingleMetric("liverc_track_sync_backlog")!.get()).values[0]?.value ?? 0

describe("track sync", () => {
  it("stores every catalogue track once with its dashboard; a second sync changes nothing", async () => {
    const first = await rig.run({ kind: "sync_tracks" })
    expect(first.status, JSON.stringify(first)).toBe("completed")
    expect(result(first)).toMatchObject({
      tracks: CATALOGUE_TRACKS,
      new: CATALOGUE_TRACKS,
      updated: 0,
      unchanged: 0,
      failed: 0,
      deactivated: 0,
      dashboards_fetched: CATALOGUE_TRACKS
    })
    expect(first.progress).toMatchObject({ done: CATALOGUE_TRACKS, total: CATALOGUE_TRACKS })
    expect(await trackRows()).toEqual({
      n: CATALOGUE_TRACKS,
      distinct_slugs: CATALOGUE_TRACKS,
      with_dashboard: CATALOGUE_TRACKS,
      active: CATALOGUE_TRACKS
    })

    // A real dashboard (captured page) and a synthetic one, as the simulator renders them.
    const [canberra] = await rig.query<{ name: string; city: string; stat_events: number }>(
      "SELECT name, city, stat_events FROM tracks WHERE slug = 'canberraoffroad'"
    )
    expect(canberra).toEqual({ name: "Canberra Off Road Model Car Club", city: "Narrabundah", stat_events: 102 })
    const [synthetic] = await rig.query<{ slug: string; city: string; stat_races: number }>(
      "SELECT slug, city, stat_races FROM tracks WHERE slug NOT IN ('canberraoffroad', 'bbrcc') ORDER BY slug LIMIT 1"
    )
    const model = rig.sim.data().dashboard(synthetic!.slug).model
    expect(synthetic).toEqual({ slug: synthetic!.slug, city: model.city, stat_races: model.stats.races })

    const [{ stamp: before }] = await rig.query<{ stamp: string }>("SELECT max(updated_at)::text AS stamp FROM tracks") as [
      { stamp: string }
    ]
    const second = await rig.run({ kind: "sync_tracks" })
    expect(second.status).toBe("completed")
    expect(result(second)).toMatchObject({
      tracks: CATALOGUE_TRACKS,
      new: 0,
      updated: 0,
      unchanged: CATALOGUE_TRACKS,
      failed: 0,
      // Every dashboard answered 304 to the validators the first sync stored.
      dashboards_not_modified: CATALOGUE_TRACKS
    })
    const [{ stamp: after }] = await rig.query<{ stamp: string }>("SELECT max(updated_at)::text AS stamp FROM tracks") as [
      { stamp: string }
    ]
    expect(after).toBe(before)
    expect(await trackRows()).toMatchObject({ n: CATALOGUE_TRACKS, with_dashboard: CATALOGUE_TRACKS })
  }, 120_000)

  it("counts a dashboard LiveRC answers 404 for as failed, keeps its stored metadata and syncs the rest", async () => {
    const [before] = await rig.query<{ city: string }>("SELECT city FROM tracks WHERE slug = 'canberraoffroad'")
    rig.sim.configure({ unknownTracks: ["canberraoffroad"] })
    try {
      const status = await rig.run({ kind: "sync_tracks" })
      expect(status.status, JSON.stringify(status)).toBe("completed")
      expect(result(status)).toMatchObject({
        tracks: CATALOGUE_TRACKS,
        failed: 1,
        unchanged: CATALOGUE_TRACKS - 1,
        failures: [{ slug: "canberraoffroad", reason: "not_found (HTTP 404)" }]
      })
      const [after] = await rig.query<{ city: string; active: boolean }>(
        "SELECT city, active FROM tracks WHERE slug = 'canberraoffroad'"
      )
      expect(after).toEqual({ city: before!.city, active: true })
    } finally {
      rig.sim.configure({ unknownTracks: [] })
    }
  }, 120_000)

  describe("with TRACK_SYNC_CONCURRENCY=3 and 10 ms dashboards", () => {
    beforeAll(async () => {
      await rig.startWorker({ TRACK_SYNC_CONCURRENCY: "3" })
      rig.sim.configure({ latencyRules: [{ match: "^/t/[^/]+/$", latency: { fixedMs: 10 } }] })
    }, 60_000)
    afterAll(() => {
      rig.sim.configure({ latencyRules: [] })
    })

    it("never has more than 3 dashboard fetches in flight, and its backlog gauge drains to zero", async () => {
      rig.sim.resetStats()
      const job = await rig.enqueue({ kind: "sync_tracks" })
      let peakBacklog = 0
      let status: JobStatus | undefined
      while (status === undefined) {
        peakBacklog = Math.max(peakBacklog, await backlog())
        const current = await rig.waitFor(job.job_id, () => true)
        if (current.status === "completed" || current.status === "failed") status = current
        else await sleep(50)
      }
      expect(status.status).toBe("completed")
      const stats = rig.sim.stats()
      expect(stats.byKind["track-dashboard"]?.total).toBe(CATALOGUE_TRACKS)
      // The pool is the bound, and it is used in full.
      expect(stats.peakConcurrency).toBe(3)
      expect(peakBacklog).toBeGreaterThan(CATALOGUE_TRACKS / 2)
      expect(await backlog()).toBe(0)
    }, 120_000)

    it("stops promptly when cancelled mid-run and keeps the batches it wrote", async () => {
      rig.sim.configure({ latencyRules: [{ match: "^/t/[^/]+/$", latency: { fixedMs: 30 } }] })
      const [{ now: startedAt }] = await rig.query<{ now: string }>("SELECT now()::text AS now") as [{ now: string }]
      const job = await rig.enqueue({ kind: "sync_tracks" })
      await rig.waitFor(job.job_id, (s) => s.status === "running" && (s.progress?.done ?? 0) >= 300)
      const cancelledAt = Date.now()
      await rig.cancel(job.job_id)
      const cancelled = await rig.waitFor(job.job_id, (s) => s.status === "cancelled", 10_000)
      expect(cancelled.status).toBe("cancelled")
      // Interrupted fetches abort their sockets: nothing stays in flight, nothing new is asked.
      while (rig.sim.stats().inFlight > 0) {
        expect(Date.now() - cancelledAt).toBeLessThan(5_000)
        await sleep(20)
      }
      const requestsAfterStop = rig.sim.stats().total
      const written = async () =>
        (await rig.query<{ n: number }>("SELECT count(*)::int4 AS n FROM tracks WHERE catalogue_seen_at >= $1", [
          startedAt
        ]))[0]!.n
      const kept = await written()
      await sleep(1_000)
      expect(rig.sim.stats().total).toBe(requestsAfterStop)
      expect(await written()).toBe(kept)
      expect(kept).toBeGreaterThanOrEqual(200)
      expect(kept).toBeLessThan(CATALOGUE_TRACKS)
      expect(await backlog()).toBe(0)
    }, 120_000)
  })

  describe("tracks that leave the catalogue", () => {
    const activeCount = async () =>
      (await rig.query<{ n: number }>("SELECT count(*)::int4 AS n FROM tracks WHERE active"))[0]!.n

    afterAll(() => {
      rig.sim.configure({ tracks: null })
    })

    it("are deactivated and come back, unless so many vanish at once that the page is suspect", async () => {
      await rig.startWorker()
      rig.sim.configure({ tracks: 50 })
      const suspect = await rig.run({ kind: "sync_tracks" })
      expect(result(suspect)).toMatchObject({
        tracks: 50,
        new: 50,
        unlisted: CATALOGUE_TRACKS,
        deactivated: 0,
        deactivation_skipped: true
      })
      expect(await activeCount()).toBe(CATALOGUE_TRACKS + 50)

      await rig.startWorker({ TRACK_SYNC_MAX_DEACTIVATE_FRACTION: "1" })
      const allowed = await rig.run({ kind: "sync_tracks" })
      expect(result(allowed)).toMatchObject({ unlisted: CATALOGUE_TRACKS, deactivated: CATALOGUE_TRACKS, unchanged: 50 })
      expect(await activeCount()).toBe(50)
      // Deactivated, not deleted: the metadata stays.
      const [gone] = await rig.query<{ active: boolean; city: string; deactivated: boolean }>(
        "SELECT active, city, deactivated_at IS NOT NULL AS deactivated FROM tracks WHERE slug = 'canberraoffroad'"
      )
      expect(gone).toEqual({ active: false, city: "Narrabundah", deactivated: true })

      await rig.startWorker()
      rig.sim.configure({ tracks: 45 })
      const shrunk = await rig.run({ kind: "sync_tracks" })
      expect(result(shrunk)).toMatchObject({ tracks: 45, unlisted: 5, deactivated: 5, deactivation_skipped: false })
      expect(await activeCount()).toBe(45)

      rig.sim.configure({ tracks: 50 })
      const back = await rig.run({ kind: "sync_tracks" })
      expect(result(back)).toMatchObject({ tracks: 50, new: 0, updated: 5, unchanged: 45, deactivated: 0 })
      expect(await activeCount()).toBe(50)
    }, 120_000)
  })
})
