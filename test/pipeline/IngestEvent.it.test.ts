import { PgClient } from "@effect/sql-pg"
import { Layer, ManagedRuntime, Option, Redacted } from "effect"
import { spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { RaceReader } from "../../src/db/RaceReader.ts"
import type { LiveRcId } from "../../src/liverc/LiveRcIds.ts"
import { JobQueue } from "../../src/queue/JobQueue.ts"
import { type CliWorker, eventually, type IngestRig, rowCounts, servedEvent, startRig } from "../support/IngestRig.ts"
import { deadLetters, inIngest, sleep } from "../support/QueueProbe.ts"

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
  let reader: ManagedRuntime.ManagedRuntime<RaceReader, unknown>

  beforeAll(async () => {
    rig = await startRig()
    worker = await rig.startWorker()
    reader = ManagedRuntime.make(
      RaceReader.layer.pipe(Layer.provide(PgClient.layer({ url: Redacted.make(rig.db.url), maxConnections: 4 })))
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

  it("stores event 486677 at laps_full so that every race shows exactly what its served page parses to", async () => {
    const served = await servedEvent(rig.sim, slug, realEvent)
    expect(served.races.size).toBe(32)
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
        pages_fetched: 34,
        pages_not_modified: 0
      }
    })
    // The event page, the entry list and every race page, each once; robots.txt besides, read
    // for the track's Crawl-delay (and the catalogue's, by the worker's background check).
    const stats = rig.sim.stats()
    expect(stats.total - (stats.byKind["robots"]?.total ?? 0)).toBe(34)
    expect(stats.byKind["robots"]?.total ?? 0).toBeGreaterThanOrEqual(1)
    const counts = await rowCounts(rig.sql)
    expect(counts).toMatchObject({
      events: 1,
      races: served.counts.races,
      race_results: served.counts.results,
      drivers: served.counts.drivers,
      laps: served.counts.laps,
      page_validators: 34
    })

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

  it("re-ingests the unchanged event with 304s only: nothing transferred, every table keeps its rows and ids", async () => {
    const before = { counts: await rowCounts(rig.sql), rows: await fingerprint(realEvent) }
    rig.sim.resetStats()
    const { status } = await ingest({ event_id: realEvent, track_slug: slug, depth: "laps_full" })
    expect(status).toMatchObject({
      status: "completed",
      result: { races: 32, pages_fetched: 0, pages_not_modified: 34, bytes_fetched: 0 }
    })
    const stats = rig.sim.stats()
    expect(stats.total).toBe(34)
    expect(stats.notModified).toBe(34)
    expect(stats.bytesSent).toBe(0)
    expect(await rowCounts(rig.sql)).toEqual(before.counts)
    expect(await fingerprint(realEvent)).toEqual(before.rows)
    expect(await duplicates()).toBe(0)
  })

  it("re-ingests by event id alone once the event is stored", async () => {
    rig.sim.resetStats()
    const { status } = await ingest({ event_id: realEvent, depth: "laps_full" })
    expect(status).toMatchObject({
      status: "completed",
      attempts: 1,
      result: { event_id: realEvent, track_slug: slug, races: 32, pages_not_modified: 34 }
    })
    expect(rig.sim.stats().notModified).toBe(34)
  })

  it("converges to the same rows and ids when every page is fetched and written again", async () => {
    const before = { counts: await rowCounts(rig.sql), rows: await fingerprint(realEvent) }
    // Without validators every page comes back in full and the whole event is written again,
    // as for a redelivered job whose first run committed.
    await rig.sql.query("DELETE FROM page_validators")
    rig.sim.resetStats()
    const { status } = await ingest({ event_id: realEvent, track_slug: slug, depth: "laps_full" })
    expect(status).toMatchObject({ status: "completed", result: { pages_fetched: 34, pages_not_modified: 0 } })
    expect(rig.sim.stats().notModified).toBe(0)
    expect(await rowCounts(rig.sql)).toEqual(before.counts)
    expect(await fingerprint(realEvent)).toEqual(before.rows)
    expect(await duplicates()).toBe(0)
  })

  it("updates a result corrected upstream in place, fetching only the changed page", async () => {
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

    rig.sim.resetStats()
    const { status } = await ingest({ event_id: realEvent, track_slug: slug, depth: "laps_full" })
    expect(status).toMatchObject({ status: "completed", result: { pages_fetched: 1, pages_not_modified: 33 } })
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

    const { status: full } = await ingest({ event_id: eventId, depth: "laps_full" })
    expect(full).toMatchObject({
      status: "completed",
      // Pages stored at summary do not cover laps_full: every page is fetched again.
      result: { depth: "laps_full", ...served.counts, pages_fetched: served.counts.races + 2, pages_not_modified: 0 }
    })
    const resultsAfter = await fingerprint(eventId)
    expect(resultsAfter.results).toBe(resultsBefore.results)
    for (const [raceId, race] of served.races) {
      expect(printed(await shown(raceId)), `race ${raceId}`).toBe(printed(race.result))
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
})
