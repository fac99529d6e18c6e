import { PgClient } from "@effect/sql-pg"
import { Layer, ManagedRuntime, Option, Redacted } from "effect"
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { EventReader } from "../../src/db/EventReader.ts"
import type { IngestEventCommand } from "../../src/jobs/Commands.ts"
import { newJobId } from "../../src/jobs/JobCommands.ts"
import { RaceReader } from "../../src/db/RaceReader.ts"
import type { LiveRcId } from "../../src/liverc/LiveRcIds.ts"
import { JobQueue } from "../../src/queue/JobQueue.ts"
import { type CliWorker, eventually, type IngestRig, rowCounts, servedEvent, startRig } from "../support/IngestRig.ts"
import { deadLetters, inIngest, sleep } from "../support/QueueProbe.ts"
import { eventWithStandings } from "../support/SimStandings.ts"

/**
 * The event ingest end to end, as shipped: a `liverc-ingest worker` process pulling from a private
 * nats-server, fetching from the simulator and writing a fresh Postgres database. Expected values
 * always come from parsing the pages the simulator serves, never from the code under test.
 */

const slug = "canberraoffroad"
const realEvent = "486677"
const bin = join(import.meta.dirname, "..", "..", "bin", "liverc-ingest.js")

const cli = (env: Record<string, string>, args: ReadonlyArray<string>) =>
  new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env } })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk) => (stdout += String(chunk)))
    child.stderr.on("data", (chunk) => (stderr += String(chunk)))
    child.on("exit", (code) => resolve({ code, stdout, stderr }))
  })

/** What `show race` and `parse race-result` print for a race: its JSON, two-space indented. */
const printed = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`

describe("ingest_event on a worker process", () => {
  let rig: IngestRig
  let worker: CliWorker
  let reader: ManagedRuntime.ManagedRuntime<RaceReader | EventReader, unknown>

  beforeAll(async () => {
    rig = await startRig()
    worker = await rig.startWorker()
    reader = ManagedRuntime.make(
      Layer.mergeAll(RaceReader.layer, EventReader.layer).pipe(
        Layer.provide(PgClient.layer({ url: Redacted.make(rig.db.url), maxConnections: 4 }))
      )
    )
  })
  afterAll(async () => {
    await reader?.dispose()
    await rig?.close()
  })

  const ingest = async (fields: Record<string, unknown>) => {
    const command = await rig.enqueue({ kind: "ingest_event", ...fields })
    const status = await rig.settled(command.job_id)
    return { command, status }
  }

  /** What the database says about a race, in the shape `show race` prints. */
  const shown = (raceId: string) =>
    reader.runPromise(RaceReader.use((r) => r.show(raceId as LiveRcId))).then(Option.getOrUndefined)

  /** What the database says about an event, in the shape `show event` prints. */
  const shownEvent = (eventId: string) =>
    reader.runPromise(EventReader.use((r) => r.show(eventId as LiveRcId))).then(Option.getOrThrow)

  /** Page requests the simulator saw (robots.txt, read once per track and cached, left out), by kind and status. */
  const requests = () => {
    const stats = rig.sim.stats()
    const byKind = Object.fromEntries(
      Object.entries(stats.byKind).filter(([kind]) => kind !== "robots").map(([kind, counts]) => [kind, counts.byStatus])
    )
    return { total: stats.total - (stats.byKind["robots"]?.total ?? 0), byKind }
  }

  /**
   * Every stored row of the event as (table, key, row version): equal before and after means no
   * row was inserted, deleted or so much as rewritten (a rewrite gets a new xmin even when its
   * values stay the same).
   */
  const rowVersions = async (eventId: string) => {
    const rows = await rig.sql.query<{ versions: string }>(
      `WITH e AS (SELECT id, xmin::text AS v FROM events WHERE source_event_id = $1)
       SELECT string_agg(t || ':' || k || ':' || v, ',' ORDER BY t, k) AS versions FROM (
         SELECT 'events' AS t, id::text AS k, v FROM e
         UNION ALL SELECT 'races', r.id::text, r.xmin::text FROM races r JOIN e ON r.event_id = e.id
         UNION ALL SELECT 'results', rr.id::text, rr.xmin::text FROM race_results rr JOIN races r ON r.id = rr.race_id
           JOIN e ON r.event_id = e.id
         UNION ALL SELECT 'laps', l.race_result_id || '/' || l.lap, l.xmin::text FROM laps l
           JOIN race_results rr ON rr.id = l.race_result_id JOIN races r ON r.id = rr.race_id JOIN e ON r.event_id = e.id
         UNION ALL SELECT 'entries', x.id::text, x.xmin::text FROM event_entries x JOIN e ON x.event_id = e.id
         UNION ALL SELECT 'multi-main', m.source_multi_main_id, m.xmin || '@' || m.updated_at
           FROM event_multi_main_results m JOIN e ON m.event_id = e.id
         UNION ALL SELECT 'round-ranking', r.source_round_id, r.xmin || '@' || r.updated_at
           FROM event_round_rankings r JOIN e ON r.event_id = e.id
         UNION ALL SELECT 'points', p.source_points_id, p.xmin || '@' || p.updated_at
           FROM event_qual_points p JOIN e ON p.event_id = e.id
         UNION ALL SELECT 'overall', o.source_ranking_id, o.xmin || '@' || o.updated_at
           FROM event_overall_rankings o JOIN e ON o.event_id = e.id
       ) v`,
      [eventId]
    )
    return rows[0]!.versions
  }

  /** The row versions of the event's standings pages only. */
  const standingsVersions = async (eventId: string) =>
    (await rowVersions(eventId)).split(",").filter((entry) =>
      /^(multi-main|round-ranking|points|overall):/.test(entry)
    )

  /** Ids and values of the event's stored rows: equal before and after means nothing was rewritten. */
  const fingerprint = async (eventId: string) => {
    const [row] = await rig.sql.query<{ races: string; results: string; laps: string }>(
      `SELECT
         (SELECT md5(string_agg(r.id || ':' || r.source_race_id, ',' ORDER BY r.id)) FROM races r
           JOIN events e ON e.id = r.event_id WHERE e.source_event_id = $1) AS races,
         (SELECT md5(string_agg(rr.id || ':' || rr.row_key || ':' || rr.total_time_ms, ',' ORDER BY rr.id))
           FROM race_results rr JOIN races r ON r.id = rr.race_id JOIN events e ON e.id = r.event_id
           WHERE e.source_event_id = $1) AS results,
         (SELECT md5(string_agg(l.race_result_id || ':' || l.lap || ':' || l.time_ms, ',' ORDER BY l.race_result_id, l.lap))
           FROM laps l JOIN race_results rr ON rr.id = l.race_result_id JOIN races r ON r.id = rr.race_id
           JOIN events e ON e.id = r.event_id WHERE e.source_event_id = $1) AS laps`,
      [eventId]
    )
    return row!
  }

  /** Rows that would be duplicates of one source entity (the constraints should make these 0). */
  const duplicates = async () => {
    const [row] = await rig.sql.query<{ n: number }>(
      `SELECT (
         (SELECT count(*) - count(DISTINCT source_event_id) FROM events) +
         (SELECT count(*) - count(DISTINCT source_race_id) FROM races) +
         (SELECT count(*) - count(DISTINCT source_driver_id) FROM drivers WHERE source_driver_id IS NOT NULL) +
         (SELECT count(*) - count(DISTINCT (race_id, row_key)) FROM race_results) +
         (SELECT count(*) - count(DISTINCT (race_result_id, lap)) FROM laps) +
         (SELECT count(*) - count(DISTINCT url) FROM page_validators)
       )::int4 AS n`
    )
    return row!.n
  }

  it("fails an event id without a track terminally with EVENT_TRACK_UNKNOWN while the event is not stored", async () => {
    rig.sim.resetStats()
    const { status } = await ingest({ event_id: realEvent, depth: "laps_full" })
    expect(status).toMatchObject({ status: "failed", attempts: 1, error_code: "EVENT_TRACK_UNKNOWN" })
    expect(status.error_message).toContain(realEvent)
    expect(rig.sim.stats().total).toBe(0)
    expect(Object.values(await rowCounts(rig.sql)).every((n) => n === 0)).toBe(true)
    expect(await inIngest(rig.client, `ingest.event.${realEvent}`)).toBe(false)
  })

  it("stores event 486677 at laps_full with every race as its served page parses and all four kinds of standings", async () => {
    const served = await servedEvent(rig.sim, slug, realEvent)
    expect(served.races.size).toBe(32)
    // What the real event page links: 3 multi-mains, 3 round rankings, 1 points table, 1 final ranking.
    expect(served.event.multiMains.map((link) => link.id)).toEqual(["939156", "939133", "939123"])
    expect(served.event.roundRankings.map((link) => link.id)).toEqual(["1470838", "1470839", "1471194"])
    expect(served.event.points.map((link) => link.id)).toEqual(["7070446"])
    expect(served.event.overallRankingId).toBe(realEvent)
    rig.sim.resetStats()
    const { status } = await ingest({ event_id: realEvent, track_slug: slug, depth: "laps_full" })
    expect(status).toMatchObject({
      status: "completed",
      attempts: 1,
      result: {
        event_id: realEvent,
        track_slug: slug,
        depth: "laps_full",
        ...served.counts,
        pages_fetched: 42,
        pages_not_modified: 0,
        pages_skipped: 0,
        warnings: []
      }
    })
    // The event page, the entry list, every race page and every standings page, each once;
    // robots.txt besides, read for the track's Crawl-delay (and the catalogue's, by the worker's
    // background check).
    expect(requests()).toEqual({
      total: 42,
      byKind: {
        event: { "200": 1 },
        "entry-list": { "200": 1 },
        "race-result": { "200": 32 },
        "multi-main": { "200": 3 },
        "round-ranking": { "200": 3 },
        points: { "200": 1 },
        "overall-ranking": { "200": 1 }
      }
    })
    expect(rig.sim.stats().byKind["robots"]?.total ?? 0).toBeGreaterThanOrEqual(1)
    const counts = await rowCounts(rig.sql)
    expect(counts).toMatchObject({
      events: 1,
      races: served.counts.races,
      race_results: served.counts.results,
      drivers: served.counts.drivers,
      laps: served.counts.laps,
      page_validators: 42,
      event_multi_main_results: 3,
      event_round_rankings: 3,
      event_qual_points: 1,
      event_overall_rankings: 1
    })
    // Stored as the served pages parse, in link order; the final ranking is all 71 entries.
    const event = await shownEvent(realEvent)
    expect({
      multiMainResults: event.multiMainResults,
      rankings: event.rankings,
      points: event.points,
      overallRanking: event.overallRanking
    }).toEqual(served.standings)
    expect(event.overallRanking.reduce((sum, table) => sum + table.entries.length, 0)).toBe(71)

    for (const [raceId, race] of served.races) {
      expect(printed(await shown(raceId)), `race ${raceId}`).toBe(printed(race.result))
    }

    // The shipped CLI prints the same: `show race` from the database, `parse race-result` of the
    // saved page with the URL it was served from (a synthetic race; test/cli covers the real ones).
    const dir = mkdtempSync(join(tmpdir(), "lri-pages-"))
    try {
      const raceId = [...served.races.keys()].find((id) => id !== "6304829" && id !== "6304822")!
      const race = served.races.get(raceId)!
      const file = join(dir, `race.${raceId}.html`)
      writeFileSync(file, race.body)
      const [show, parse] = await Promise.all([
        cli({ DATABASE_URL: rig.db.url }, ["show", "race", raceId]),
        cli({}, ["parse", "race-result", file, "--url", race.url])
      ])
      expect(show.code, show.stderr).toBe(0)
      expect(parse.code, parse.stderr).toBe(0)
      expect(show.stdout, `race ${raceId}`).toBe(parse.stdout)
      expect(show.stdout).toBe(printed(await shown(raceId)))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it("re-ingests the unchanged event with the event page alone (304): no race or standings request, no row rewritten", async () => {
    const before = { counts: await rowCounts(rig.sql), rows: await fingerprint(realEvent), versions: await rowVersions(realEvent) }
    rig.sim.resetStats()
    const { status } = await ingest({ event_id: realEvent, track_slug: slug, depth: "laps_full" })
    expect(status).toMatchObject({
      status: "completed",
      result: {
        races: 32,
        results: before.counts["race_results"],
        laps: before.counts["laps"],
        pages_fetched: 0,
        pages_not_modified: 1,
        pages_skipped: 41,
        bytes_fetched: 0,
        warnings: []
      }
    })
    expect(requests()).toEqual({ total: 1, byKind: { event: { "304": 1 } } })
    expect(rig.sim.stats().bytesSent).toBe(0)
    expect(await rowCounts(rig.sql)).toEqual(before.counts)
    expect(await fingerprint(realEvent)).toEqual(before.rows)
    expect(await rowVersions(realEvent)).toBe(before.versions)
    expect(await duplicates()).toBe(0)
  })

  it("re-ingests by event id alone once the event is stored", async () => {
    rig.sim.resetStats()
    const { status } = await ingest({ event_id: realEvent, depth: "laps_full" })
    expect(status).toMatchObject({
      status: "completed",
      attempts: 1,
      result: { event_id: realEvent, track_slug: slug, races: 32, pages_not_modified: 1, pages_skipped: 41 }
    })
    expect(requests().total).toBe(1)
  })

  it("takes an event page with a new ETag but the same content as unchanged: one request, only its validator stored", async () => {
    // The real page's bytes change (a comment), what it says does not.
    rig.sim.mutate({ kind: "event", id: realEvent })
    const before = { counts: await rowCounts(rig.sql), versions: await rowVersions(realEvent) }
    rig.sim.resetStats()
    const { status } = await ingest({ event_id: realEvent, track_slug: slug, depth: "laps_full" })
    expect(status).toMatchObject({ status: "completed", result: { pages_fetched: 1, pages_not_modified: 0, pages_skipped: 41 } })
    expect(requests()).toEqual({ total: 1, byKind: { event: { "200": 1 } } })
    expect(await rowCounts(rig.sql)).toEqual(before.counts)
    expect(await rowVersions(realEvent)).toBe(before.versions)
    // Its new validator was kept: the next refresh is a 304.
    rig.sim.resetStats()
    await ingest({ event_id: realEvent, track_slug: slug, depth: "laps_full" })
    expect(requests()).toEqual({ total: 1, byKind: { event: { "304": 1 } } })
  })

  it("re-fetches every page unconditionally with force: true and converges to the same rows, standings rows untouched", async () => {
    const before = {
      counts: await rowCounts(rig.sql),
      rows: await fingerprint(realEvent),
      standings: await standingsVersions(realEvent)
    }
    expect(before.standings).toHaveLength(8)
    rig.sim.resetStats()
    const { status } = await ingest({ event_id: realEvent, track_slug: slug, depth: "laps_full", force: true })
    expect(status).toMatchObject({
      status: "completed",
      result: { pages_fetched: 42, pages_not_modified: 0, pages_skipped: 0, warnings: [] }
    })
    expect(rig.sim.stats().notModified).toBe(0)
    expect(requests().total).toBe(42)
    expect(await rowCounts(rig.sql)).toEqual(before.counts)
    expect(await fingerprint(realEvent)).toEqual(before.rows)
    // The same content read again: not one standings row rewritten (same xmin, same updated_at).
    expect(await standingsVersions(realEvent)).toEqual(before.standings)
    expect(await duplicates()).toBe(0)
  })

  it("misses a result corrected under an unchanged event page until a forced run, which updates it in place", async () => {
    const raceId = "6304829"
    const storedBefore = await rig.sql.query<{ id: string; row_key: string; total_time_ms: number }>(
      `SELECT rr.id::text, rr.row_key, rr.total_time_ms FROM race_results rr JOIN races r ON r.id = rr.race_id
       WHERE r.source_race_id = $1 ORDER BY rr.row_order`,
      [raceId]
    )
    const counts = await rowCounts(rig.sql)
    rig.sim.mutate({ kind: "race-result", id: raceId })
    const corrected = await servedEvent(rig.sim, slug, realEvent)
    const race = corrected.races.get(raceId)!
    expect(printed(race.result)).not.toBe(printed(await shown(raceId)))

    // The event page does not change with a race's lap time: a refresh sees nothing to do.
    rig.sim.resetStats()
    const { status: refreshed } = await ingest({ event_id: realEvent, track_slug: slug, depth: "laps_full" })
    expect(refreshed).toMatchObject({ status: "completed", result: { pages_fetched: 0, pages_not_modified: 1 } })
    expect(printed(await shown(raceId))).not.toBe(printed(race.result))

    rig.sim.resetStats()
    const { status } = await ingest({ event_id: realEvent, track_slug: slug, depth: "laps_full", force: true })
    expect(status).toMatchObject({ status: "completed", result: { pages_fetched: 42, pages_not_modified: 0 } })
    expect(printed(await shown(raceId))).toBe(printed(race.result))
    const storedAfter = await rig.sql.query<{ id: string; row_key: string; total_time_ms: number }>(
      `SELECT rr.id::text, rr.row_key, rr.total_time_ms FROM race_results rr JOIN races r ON r.id = rr.race_id
       WHERE r.source_race_id = $1 ORDER BY rr.row_order`,
      [raceId]
    )
    // Same rows (ids and keys), one corrected total: updated in place, not deleted and re-inserted.
    expect(storedAfter.map((row) => [row.id, row.row_key])).toEqual(storedBefore.map((row) => [row.id, row.row_key]))
    const changed = storedAfter.filter((row, index) => row.total_time_ms !== storedBefore[index]!.total_time_ms)
    expect(changed).toHaveLength(1)
    expect(await rowCounts(rig.sql)).toEqual(counts)
  })

  it("adds the laps when an event stored at summary is ingested at laps_full", async () => {
    const eventId = "700001"
    const served = await servedEvent(rig.sim, "sim-summary", eventId)
    const { status: summary } = await ingest({ event_id: eventId, track_slug: "sim-summary", depth: "summary" })
    expect(summary).toMatchObject({
      status: "completed",
      result: { depth: "summary", races: served.counts.races, results: served.counts.results, laps: 0 }
    })
    const resultsBefore = await fingerprint(eventId)
    expect(resultsBefore.laps).toBeNull()

    rig.sim.resetStats()
    const { status: full } = await ingest({ event_id: eventId, depth: "laps_full" })
    expect(full).toMatchObject({
      status: "completed",
      // Pages stored at summary do not cover laps_full: the event page and every race page are
      // fetched again; the entry list and the standings do not depend on the depth.
      result: {
        depth: "laps_full",
        ...served.counts,
        pages_fetched: served.counts.races + 1,
        pages_not_modified: 0,
        pages_skipped: 1 + served.sidePages
      }
    })
    expect(requests()).toEqual({ total: served.counts.races + 1, byKind: { event: { "200": 1 }, "race-result": { "200": served.counts.races } } })
    const resultsAfter = await fingerprint(eventId)
    expect(resultsAfter.results).toBe(resultsBefore.results)
    for (const [raceId, race] of served.races) {
      expect(printed(await shown(raceId)), `race ${raceId}`).toBe(printed(race.result))
    }
  })

  it("does the laps too when laps_full is asked for while a summary ingest runs: the live job is raised, not deduplicated away", async () => {
    const eventId = "700009"
    const served = await servedEvent(rig.sim, "sim-upgrade", eventId)
    // The event page alone is slow, so the summary run is surely under way when laps are asked for.
    rig.sim.configure({ latencyRules: [{ match: `[?&]id=${eventId}$`, latency: { fixedMs: 1500 } }] })
    try {
      const summary = await rig.enqueue({ kind: "ingest_event", event_id: eventId, track_slug: "sim-upgrade", depth: "summary" })
      await rig.waitFor(summary.job_id, (s) => s.status === "running")
      const deeper = await rig.client.runPromise(JobQueue.use((queue) =>
        queue.enqueue({ ...(summary as IngestEventCommand), job_id: newJobId(), depth: "laps_full" })
      ))
      expect(deeper).toMatchObject({ deduplicated: true, upgraded: true, job: { job_id: summary.job_id, params: { depth: "laps_full" } } })
      const done = await rig.settled(summary.job_id)
      expect(done).toMatchObject({
        status: "completed",
        attempts: 1,
        params: { depth: "laps_full" },
        result: { depth: "laps_full", laps: served.counts.laps }
      })
      expect((await fingerprint(eventId)).laps).not.toBeNull()
    } finally {
      rig.sim.configure({ latencyRules: [] })
    }
  })

  it("fails on a race page that never parses with RACE_PAGE_UNPARSEABLE naming the page, once, writing nothing", async () => {
    const eventId = "700002"
    const brokenRace = "70000207"
    const brokenUrl = `${rig.sim.trackUrl("sim-broken")}/results/?p=view_race_result&id=${brokenRace}`
    const counts = await rowCounts(rig.sql)
    rig.sim.configure({ faultRules: [{ match: `view_race_result&id=${brokenRace}$`, fault: "truncate" }] })
    rig.sim.resetStats()
    try {
      const { command, status } = await ingest({ event_id: eventId, track_slug: "sim-broken", depth: "laps_full" })
      expect(status).toMatchObject({ status: "failed", attempts: 1, error_code: "RACE_PAGE_UNPARSEABLE" })
      expect(status.error_message).toContain(brokenUrl)
      // Terminal: no redelivery, no retry of the request, one copy in the dead-letter stream.
      await sleep(1500)
      expect(rig.sim.stats().faults).toEqual({ truncate: 1 })
      expect(await rig.client.runPromise(JobQueue.use((q) => q.get(command.job_id)))).toMatchObject({
        status: "failed",
        attempts: 1
      })
      expect(await inIngest(rig.client, `ingest.event.${eventId}`)).toBe(false)
      const copies = (await deadLetters(rig.client)).filter((copy) => copy.data.includes(command.job_id))
      expect(copies).toHaveLength(1)
      expect(await rowCounts(rig.sql)).toEqual(counts)
      expect(await rig.sql.query("SELECT 1 FROM races WHERE source_race_id LIKE $1", [`${eventId}%`])).toEqual([])
    } finally {
      rig.sim.configure({ faultRules: [] })
    }
  })

  it("cancels a running ingest: its requests are aborted at once and nothing is written", async () => {
    const eventId = "700003"
    const counts = await rowCounts(rig.sql)
    // Race pages take 10 s: the job sits in its fetch phase with requests in flight.
    rig.sim.configure({ latencyRules: [{ match: `view_race_result&id=${eventId}\\d\\d$`, latency: { fixedMs: 10_000 } }] })
    rig.sim.resetStats()
    try {
      const command = await rig.enqueue({ kind: "ingest_event", event_id: eventId, track_slug: "sim-cancel", depth: "laps_full" })
      const inFlight = await eventually(() => rig.sim.stats().inFlight, (n) => n >= 4, 10_000)
      const cancelledAt = performance.now()
      await rig.client.runPromise(JobQueue.use((q) => q.cancel(command.job_id)))
      await eventually(() => rig.sim.stats().inFlight, (n) => n === 0, 3_000, 20)
      const abortedWithin = performance.now() - cancelledAt
      const status = await rig.settled(command.job_id, 5_000)
      expect(status.status).toBe("cancelled")
      // Aborted by the client, long before the simulator would have answered.
      expect(abortedWithin).toBeLessThan(3_000)
      const stats = rig.sim.stats()
      expect(stats.byKind["race-result"]?.byStatus["aborted"]).toBeGreaterThanOrEqual(inFlight)
      expect(stats.byKind["race-result"]?.byStatus["200"]).toBeUndefined()
      await sleep(500)
      expect(await rowCounts(rig.sql)).toEqual(counts)
      expect(await inIngest(rig.client, `ingest.event.${eventId}`)).toBe(false)
    } finally {
      rig.sim.configure({ latencyRules: [] })
    }
    expect(worker.output()).not.toMatch(/crashed/)
  })
  it("refreshes an event that gained a race with the event page, that race and the standings it can move", async () => {
    const eventId = "700010"
    const track = "sim-refresh"
    const { status: first } = await ingest({ event_id: eventId, track_slug: track, depth: "laps_full" })
    expect(first).toMatchObject({ status: "completed", result: { pages_skipped: 0 } })
    const before = (await rowVersions(eventId)).split(",")

    rig.sim.mutate({ kind: "event", id: eventId })
    const served = await servedEvent(rig.sim, track, eventId)
    const stored = new Set((await shownEvent(eventId)).races.map((race) => race.raceId))
    const added = served.event.races.filter((race) => !stored.has(race.raceId))
    expect(added).toHaveLength(1)
    expect(added[0]!.round).toBe("Main Events")

    rig.sim.resetStats()
    const { status } = await ingest({ event_id: eventId, track_slug: track, depth: "laps_full" })
    // The new race is a main: it can move the final ranking (asked conditionally: unchanged, 304),
    // not the qualifying pages; nor does the entry list change with it.
    expect(requests()).toEqual({
      total: 3,
      byKind: { event: { "200": 1 }, "race-result": { "200": 1 }, "overall-ranking": { "304": 1 } }
    })
    expect(status).toMatchObject({
      status: "completed",
      result: {
        ...served.counts,
        pages_fetched: 2,
        pages_not_modified: 1,
        pages_skipped: 1 + (served.counts.races - 1) + (served.sidePages - 1),
        warnings: []
      }
    })
    expect(printed(await shown(added[0]!.raceId))).toBe(printed(served.races.get(added[0]!.raceId)!.result))
    // The other races' results and laps were not rewritten.
    const after = new Set((await rowVersions(eventId)).split(","))
    const kept = before.filter((entry) => entry.startsWith("results:") || entry.startsWith("laps:"))
    expect(kept.length).toBeGreaterThan(0)
    expect(kept.filter((entry) => !after.has(entry))).toEqual([])
  })

  it("completes with warnings when the standings pages answer 404 or do not parse, every race stored, sections empty", async () => {
    const eventId = eventWithStandings()
    const track = "sim-standin"
    const served = await servedEvent(rig.sim, track, eventId)
    expect(served.sidePages).toBeGreaterThanOrEqual(4)
    const base = rig.sim.trackUrl(track)
    // A LiveRC stand-in that has none of them: 404, except the points page, which is not one.
    rig.sim.configure({
      faultRules: [{ match: "p=(view_multi_main_result|view_round_ranking|event_overall_ranking)&", fault: "status404" }],
      hostileRules: [{ match: "p=view_points&", page: "deep-divs", bytes: 4000 }]
    })
    try {
      const { status } = await ingest({ event_id: eventId, track_slug: track, depth: "laps_full" })
      expect(status).toMatchObject({
        status: "completed",
        attempts: 1,
        result: { ...served.counts, standings_missing: served.sidePages }
      })
      const warnings = (status.result as { warnings: Array<{ page: string; url: string; reason: string }> }).warnings
      const expected = [
        ...served.event.multiMains.map((link) => ({
          page: "multi-main",
          url: `${base}/results/?p=view_multi_main_result&id=${link.id}`,
          reason: "not_found (HTTP 404)"
        })),
        ...served.event.roundRankings.map((link) => ({
          page: "round-ranking",
          url: `${base}/results/?p=view_round_ranking&id=${link.id}&o=${link.order}`,
          reason: "not_found (HTTP 404)"
        })),
        ...served.event.points.map((link) => ({
          page: "points",
          url: `${base}/results/?p=view_points&id=${link.id}`,
          reason: expect.stringMatching(/^unparseable: /)
        })),
        { page: "overall-ranking", url: `${base}/results/?p=event_overall_ranking&id=${eventId}`, reason: "not_found (HTTP 404)" }
      ]
      expect(warnings).toHaveLength(expected.length)
      expect(warnings).toEqual(expect.arrayContaining(expected))
      for (const [raceId, race] of served.races) {
        expect(printed(await shown(raceId)), `race ${raceId}`).toBe(printed(race.result))
      }
      const event = await shownEvent(eventId)
      expect([event.multiMainResults, event.rankings, event.points, event.overallRanking]).toEqual([[], [], [], []])
      expect(event.links.multiMains).toEqual(served.event.multiMains)
      // A page that is missing for good is not asked for again while nothing changes.
      rig.sim.resetStats()
      await ingest({ event_id: eventId, track_slug: track, depth: "laps_full" })
      expect(requests()).toEqual({ total: 1, byKind: { event: { "304": 1 } } })
    } finally {
      rig.sim.configure({ faultRules: [], hostileRules: [] })
    }
    // Once LiveRC serves them again, a forced run stores all of them.
    const { status } = await ingest({ event_id: eventId, track_slug: track, depth: "laps_full", force: true })
    expect(status).toMatchObject({ status: "completed", result: { warnings: [] } })
    const event = await shownEvent(eventId)
    expect({
      multiMainResults: event.multiMainResults,
      rankings: event.rankings,
      points: event.points,
      overallRanking: event.overallRanking
    }).toEqual(served.standings)
  })

  it("tries a standings page LiveRC could not serve (503) again on the next refresh, and only that page", async () => {
    const eventId = "700011"
    const track = "sim-retry"
    const served = await servedEvent(rig.sim, track, eventId)
    rig.sim.configure({ faultRules: [{ match: `p=event_overall_ranking&id=${eventId}$`, fault: "status503" }] })
    try {
      const { status } = await ingest({ event_id: eventId, track_slug: track, depth: "laps_full" })
      expect(status).toMatchObject({
        status: "completed",
        result: {
          ...served.counts,
          warnings: [{
            page: "overall-ranking",
            url: `${rig.sim.trackUrl(track)}/results/?p=event_overall_ranking&id=${eventId}`,
            reason: "unavailable (HTTP 503)"
          }]
        }
      })
    } finally {
      rig.sim.configure({ faultRules: [] })
    }
    expect((await shownEvent(eventId)).overallRanking).toEqual([])
    rig.sim.resetStats()
    const { status } = await ingest({ event_id: eventId, track_slug: track, depth: "laps_full" })
    expect(status).toMatchObject({ status: "completed", result: { warnings: [] } })
    expect(requests()).toEqual({ total: 2, byKind: { event: { "304": 1 }, "overall-ranking": { "200": 1 } } })
    expect((await shownEvent(eventId)).overallRanking).toEqual(served.standings.overallRanking)
    // Stored now: the next refresh is the event page alone.
    rig.sim.resetStats()
    await ingest({ event_id: eventId, track_slug: track, depth: "laps_full" })
    expect(requests().total).toBe(1)
  })
})
