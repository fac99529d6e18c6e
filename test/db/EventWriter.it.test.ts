import { assert, layer } from "@effect/vitest"
import { Deferred, Effect, Exit, Fiber, Option } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import { eventLockKey, lockForTransaction } from "../../src/db/AdvisoryLock.ts"
import { EventReader } from "../../src/db/EventReader.ts"
import type { EventSnapshot } from "../../src/db/EventSnapshot.ts"
import { EventWriter } from "../../src/db/EventWriter.ts"
import { PageValidators } from "../../src/db/PageValidators.ts"
import { RaceReader } from "../../src/db/RaceReader.ts"
import type { LiveRcId } from "../../src/liverc/LiveRcIds.ts"
import type { RaceResult } from "../../src/liverc/models/RaceResult.ts"
import { realEventStandings } from "../support/SimStandings.ts"
import { advisoryLocks, migratedDatabase } from "./DbTestLayer.ts"
import {
  eventUrl,
  loadRealEvent,
  raceUrl,
  realEventId,
  realRaceIds,
  realSnapshot,
  slug,
  syntheticResult,
  syntheticSnapshot
} from "./Fixtures.ts"

const id = (value: string) => value as LiveRcId

/** Ids and row versions of everything stored for an event; equal before/after means nothing was rewritten. */
const storedRows = (eventId: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient
    const results = yield* sql<{ id: string; xmin: string }>`
      SELECT rr.id::text, rr.xmin::text FROM race_results rr JOIN races r ON r.id = rr.race_id
      JOIN events e ON e.id = r.event_id WHERE e.source_event_id = ${eventId} ORDER BY rr.id
    `
    const laps = yield* sql<{ key: string; xmin: string }>`
      SELECT l.race_result_id || '/' || l.lap AS key, l.xmin::text FROM laps l
      JOIN race_results rr ON rr.id = l.race_result_id JOIN races r ON r.id = rr.race_id
      JOIN events e ON e.id = r.event_id WHERE e.source_event_id = ${eventId} ORDER BY l.race_result_id, l.lap
    `
    const races = yield* sql<{ id: string }>`
      SELECT r.id::text FROM races r JOIN events e ON e.id = r.event_id
      WHERE e.source_event_id = ${eventId} ORDER BY r.id
    `
    const events = yield* sql<{ id: string }>`SELECT id::text FROM events WHERE source_event_id = ${eventId}`
    const drivers = yield* sql<{ id: string }>`SELECT id::text FROM drivers ORDER BY id`
    return { events, races, results, laps, drivers }
  })

const eventDepth = (eventId: string) =>
  Effect.gen(function*() {
    const sql = yield* SqlClient
    const rows = yield* sql<{ ingest_depth: string }>`SELECT ingest_depth FROM events WHERE source_event_id = ${eventId}`
    return rows[0]?.ingest_depth
  })

const withResult = (snapshot: EventSnapshot, raceId: string, result: RaceResult | null): EventSnapshot => ({
  ...snapshot,
  races: snapshot.races.map((race) => race.raceId === raceId ? { ...race, result } : race)
})

/** Polls until `condition` holds; fails the test after about five seconds. */
const eventually = <E, R>(condition: Effect.Effect<boolean, E, R>, what: string) =>
  Effect.gen(function*() {
    for (let attempt = 0; attempt < 250; attempt++) {
      if (yield* condition) return
      yield* Effect.sleep("20 millis")
    }
    assert.fail(`timed out waiting until ${what}`)
  })

layer(migratedDatabase, { excludeTestServices: true })("EventWriter", (it) => {
  it.effect("stores the real race pages of event 486677 and reads each back exactly as parsed", () =>
    Effect.gen(function*() {
      const { event, results } = yield* loadRealEvent
      const counts = yield* (yield* EventWriter).write(realSnapshot(event, results))
      const parsedLaps = [...results.values()].flatMap((result) => result.results).reduce(
        (sum, row) => sum + row.laps.length,
        0
      )
      assert.deepStrictEqual(counts, {
        races: event.races.length,
        results: [...results.values()].reduce((sum, result) => sum + result.results.length, 0),
        drivers: new Set(
          [...results.values()].flatMap((result) => result.results).map((row) => row.sourceDriverId ?? row.driverName)
        ).size,
        laps: parsedLaps
      })
      assert.strictEqual(counts.races, 32)
      for (const raceId of realRaceIds) {
        const stored = yield* (yield* RaceReader).show(raceId)
        const parsed = results.get(raceId)!
        assert.deepStrictEqual(Option.getOrThrow(stored), { ...parsed, raceId })
        // Same keys in the same order: the JSON `show race` prints is the JSON `parse race-result` prints.
        assert.strictEqual(JSON.stringify(Option.getOrThrow(stored)), JSON.stringify({ ...parsed, raceId }))
      }
      const stored = Option.getOrThrow(yield* (yield* EventReader).show(realEventId))
      assert.strictEqual(stored.name, event.name)
      assert.strictEqual(stored.ingestDepth, "laps_full")
      assert.deepStrictEqual(stored.races.map((race) => race.raceId), event.races.map((race) => race.raceId))
      assert.deepStrictEqual(
        stored.races.map(({ raceId, raceNumber, className, label, round, completedAt }) => ({
          raceId,
          raceNumber,
          className,
          label,
          round,
          completedAt
        })),
        event.races.map((race) => ({ ...race }))
      )
      assert.deepStrictEqual(stored.links, {
        multiMains: event.multiMains,
        points: event.points,
        roundRankings: event.roundRankings,
        overallRankingId: event.overallRankingId
      })
      // No standings page was in the snapshot: the sections are there, empty.
      assert.deepStrictEqual(
        [stored.multiMainResults, stored.rankings, stored.points, stored.overallRanking],
        [[], [], [], []]
      )
    }))

  it.effect("writing the same event again changes no row and keeps every id", () =>
    Effect.gen(function*() {
      const { event, results } = yield* loadRealEvent
      const writer = yield* EventWriter
      const first = yield* writer.write(realSnapshot(event, results))
      const before = yield* storedRows(realEventId)
      const second = yield* writer.write(realSnapshot(event, results))
      const after = yield* storedRows(realEventId)
      assert.deepStrictEqual(second, first)
      assert.deepStrictEqual(after, before)
      assert.strictEqual(after.laps.length, first.laps)
    }))

  it.effect("a corrected result updates its row in place", () =>
    Effect.gen(function*() {
      const writer = yield* EventWriter
      const snapshot = syntheticSnapshot("900001", { races: 2, drivers: 4, laps: 5 })
      yield* writer.write(snapshot)
      const before = yield* storedRows("900001")
      const raceId = snapshot.races[0]!.raceId
      const original = snapshot.races[0]!.result!
      const corrected: RaceResult = {
        ...original,
        results: original.results.map((row, index) =>
          index === 1
            ? { ...row, position: null, totalTimeMs: row.totalTimeMs! + 5000, carNumber: "99", consistencyPct: 12.5 }
            : row
        )
      }
      yield* writer.write(withResult(snapshot, raceId, corrected))
      const after = yield* storedRows("900001")
      assert.deepStrictEqual(after.results.map((row) => row.id), before.results.map((row) => row.id))
      assert.strictEqual(after.results.filter((row, index) => row.xmin !== before.results[index]!.xmin).length, 1)
      assert.deepStrictEqual(Option.getOrThrow(yield* (yield* RaceReader).show(raceId)), corrected)
    }))

  it.effect("summary stores results without laps, laps_full then adds the laps, a later summary keeps them", () =>
    Effect.gen(function*() {
      const writer = yield* EventWriter
      const full = syntheticSnapshot("900002", { races: 2, drivers: 3, laps: 4 })
      const summary = { ...full, depth: "summary" as const }
      const afterSummary = yield* writer.write(summary)
      assert.deepStrictEqual(afterSummary, { races: 2, results: 6, drivers: 3, laps: 0 })
      assert.strictEqual(yield* eventDepth("900002"), "summary")
      const raceId = full.races[0]!.raceId
      const withoutLaps = Option.getOrThrow(yield* (yield* RaceReader).show(raceId))
      assert.deepStrictEqual(withoutLaps.results.map((row) => row.laps), [[], [], []])

      const afterFull = yield* writer.write(full)
      assert.deepStrictEqual(afterFull, { races: 2, results: 6, drivers: 3, laps: 24 })
      assert.strictEqual(yield* eventDepth("900002"), "laps_full")
      assert.deepStrictEqual(Option.getOrThrow(yield* (yield* RaceReader).show(raceId)), full.races[0]!.result)

      // A later summary ingest neither lowers the event's depth nor touches the laps.
      const again = yield* writer.write(summary)
      assert.deepStrictEqual(again, afterFull)
      assert.strictEqual(yield* eventDepth("900002"), "laps_full")
    }))

  it.effect("rows, races and laps that vanished upstream are removed", () =>
    Effect.gen(function*() {
      const writer = yield* EventWriter
      const snapshot = syntheticSnapshot("900003", { races: 3, drivers: 4, laps: 6 })
      yield* writer.write(snapshot)
      const raceId = snapshot.races[0]!.raceId
      const original = snapshot.races[0]!.result!
      const shrunk: RaceResult = {
        ...original,
        results: original.results.slice(1).map((row) => ({ ...row, laps: row.laps.slice(0, 3) }))
      }
      const fewerRaces: EventSnapshot = {
        ...withResult(snapshot, raceId, shrunk),
        event: { ...snapshot.event!, races: snapshot.event!.races.slice(0, 2) },
        races: withResult(snapshot, raceId, shrunk).races.slice(0, 2)
      }
      const counts = yield* writer.write(fewerRaces)
      assert.deepStrictEqual(counts, { races: 2, results: 3 + 4, drivers: 4, laps: 3 * 3 + 4 * 6 })
      assert.deepStrictEqual(Option.getOrThrow(yield* (yield* RaceReader).show(raceId)), shrunk)
      assert.isTrue(Option.isNone(yield* (yield* RaceReader).show(snapshot.races[2]!.raceId)))
    }))

  it.effect("a late finisher added to a race with stored laps gets its laps next to the others'", () =>
    Effect.gen(function*() {
      const writer = yield* EventWriter
      const snapshot = syntheticSnapshot("900016", { races: 2, drivers: 3, laps: 4 })
      yield* writer.write(snapshot)
      const raceId = snapshot.races[1]!.raceId
      const original = snapshot.races[1]!.result!
      const lateFinisher = { ...original.results[0]!, driverName: "LATE FINISHER", sourceDriverId: id("8800001") }
      const grown: RaceResult = { ...original, results: [...original.results, lateFinisher] }
      const counts = yield* writer.write(withResult(snapshot, raceId, grown))
      assert.deepStrictEqual(counts, { races: 2, results: 7, drivers: 4, laps: 28 })
      assert.deepStrictEqual(Option.getOrThrow(yield* (yield* RaceReader).show(raceId)), grown)
    }))

  it.effect("an unchanged event page and unchanged race pages keep what is stored", () =>
    Effect.gen(function*() {
      const writer = yield* EventWriter
      const snapshot = syntheticSnapshot("900004", { races: 3, drivers: 2, laps: 2 })
      const counts = yield* writer.write(snapshot)
      const before = Option.getOrThrow(yield* (yield* EventReader).show(id("900004")))
      const storedIds = yield* (yield* EventReader).storedRaceIds(id("900004"))
      assert.deepStrictEqual(storedIds, snapshot.event!.races.map((race) => race.raceId))
      const unchanged: EventSnapshot = {
        ...snapshot,
        event: null,
        races: storedIds.map((raceId) => ({ raceId, listing: null, result: null }))
      }
      assert.deepStrictEqual(yield* writer.write(unchanged), counts)
      const after = Option.getOrThrow(yield* (yield* EventReader).show(id("900004")))
      assert.deepStrictEqual({ ...after, lastIngestedAt: null }, { ...before, lastIngestedAt: null })
      assert.deepStrictEqual(
        Option.getOrThrow(yield* (yield* RaceReader).show(storedIds[1]!)),
        snapshot.races[1]!.result
      )
    }))

  it.effect("standings: the same pages again rewrite no row, a corrected page only its own, an unlinked page goes", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient
      const writer = yield* EventWriter
      const { event, results } = yield* loadRealEvent
      const standings = realEventStandings()
      const snapshot: EventSnapshot = { ...realSnapshot(event, results), standings }
      // Row version (xmin) and updated_at of each stored standings page of the event.
      const versions = () =>
        sql<{ key: string; version: string }>`
          WITH e AS (SELECT id FROM events WHERE source_event_id = ${realEventId})
          SELECT 'multi-main:' || source_multi_main_id AS key, xmin || '@' || updated_at AS version
            FROM event_multi_main_results WHERE event_id = (SELECT id FROM e)
          UNION ALL SELECT 'round-ranking:' || source_round_id, xmin || '@' || updated_at
            FROM event_round_rankings WHERE event_id = (SELECT id FROM e)
          UNION ALL SELECT 'points:' || source_points_id, xmin || '@' || updated_at
            FROM event_qual_points WHERE event_id = (SELECT id FROM e)
          UNION ALL SELECT 'overall-ranking:' || source_ranking_id, xmin || '@' || updated_at
            FROM event_overall_rankings WHERE event_id = (SELECT id FROM e)
          ORDER BY 1
        `
      yield* writer.write(snapshot)
      const before = yield* versions()
      assert.strictEqual(before.length, 8)

      yield* writer.write(snapshot)
      assert.deepStrictEqual(yield* versions(), before)

      const points = standings.points[0]!
      const corrected = {
        ...points.page,
        classes: points.page.classes.map((table, index) => (index === 0 ? { ...table, tieBreaker: "IFMAR" } : table))
      }
      yield* writer.write({ ...snapshot, standings: { ...standings, points: [{ id: points.id, page: corrected }] } })
      const after = yield* versions()
      assert.deepStrictEqual(
        after.filter((row, index) => row.version !== before[index]!.version).map((row) => row.key),
        ["points:7070446"]
      )

      // Unchanged event page, no standings read: everything stays. The event page no longer
      // linking a multi-main: its row goes, the others stay untouched.
      yield* writer.write({ ...snapshot, event: null, standings: undefined })
      assert.deepStrictEqual(yield* versions(), after)
      yield* writer.write({ ...snapshot, event: { ...event, multiMains: event.multiMains.slice(0, 2) }, standings: undefined })
      assert.deepStrictEqual(yield* versions(), after.filter((row) => row.key !== "multi-main:939123"))

      const shown = Option.getOrThrow(yield* (yield* EventReader).show(realEventId))
      assert.deepStrictEqual(shown.multiMainResults, standings.multiMains.slice(0, 2).map(({ page }) => page))
      assert.deepStrictEqual(shown.points, [corrected])
      assert.deepStrictEqual(shown.overallRanking, standings.overallRanking!.page.classes)
    }))

  it.effect("refuses an unchanged event page for an event that is not stored, with a non-transient error", () =>
    Effect.gen(function*() {
      const snapshot: EventSnapshot = {
        trackSlug: slug,
        eventId: id("900005"),
        depth: "summary",
        event: null,
        races: [],
        validators: []
      }
      const error = yield* Effect.flip((yield* EventWriter).write(snapshot))
      assert.strictEqual(error._tag, "PersistenceError")
      assert.strictEqual(error.transient, false)
      assert.include(error.message, "900005 is not stored")
      assert.strictEqual(yield* advisoryLocks(), 0)
    }))

  it.effect("refuses laps that are not in increasing order before touching the database", () =>
    Effect.gen(function*() {
      const snapshot = syntheticSnapshot("900006", { races: 1, drivers: 2, laps: 3 })
      const result = snapshot.races[0]!.result!
      const shuffled: RaceResult = {
        ...result,
        results: [{ ...result.results[0]!, laps: [...result.results[0]!.laps].reverse() }, result.results[1]!]
      }
      const error = yield* Effect.flip((yield* EventWriter).write(withResult(snapshot, snapshot.races[0]!.raceId, shuffled)))
      assert.strictEqual(error.reason, "InvalidSnapshot")
      assert.isTrue(Option.isNone(yield* (yield* EventReader).show(id("900006"))))
    }))

  it.effect("keeps non-starters, namesakes without driver ids and a repeated driver id as separate rows", () =>
    Effect.gen(function*() {
      const base = syntheticSnapshot("900007", { races: 1, drivers: 2, laps: 3 })
      const raceId = base.races[0]!.raceId
      const template = base.races[0]!.result!.results[0]!
      const nonStarter = {
        ...template,
        position: null,
        driverName: "RILEY LANDER",
        sourceDriverId: null,
        carNumber: null,
        qualPosition: null,
        lapsCompleted: 0,
        totalTimeMs: null,
        fastLapMs: null,
        fastLapNumber: null,
        avgLapMs: null,
        consistencyPct: null,
        laps: []
      }
      const namesakeA = { ...template, position: 3, driverName: "JOHN SMITH", sourceDriverId: null }
      const namesakeB = {
        ...template,
        position: 4,
        driverName: "JOHN SMITH",
        sourceDriverId: null,
        totalTimeMs: 1,
        laps: template.laps.slice(0, 1)
      }
      const repeatedId = { ...template, position: 5, driverName: "SAME ID AGAIN" }
      const result: RaceResult = {
        ...base.races[0]!.result!,
        results: [...base.races[0]!.result!.results, namesakeA, namesakeB, repeatedId, nonStarter]
      }
      const counts = yield* (yield* EventWriter).write(withResult(base, raceId, result))
      assert.strictEqual(counts.results, 6)
      assert.strictEqual(counts.laps, 3 + 3 + 3 + 1 + 3 + 0)
      assert.deepStrictEqual(Option.getOrThrow(yield* (yield* RaceReader).show(raceId)), result)
      // Re-ingesting finds the same rows by the same keys.
      const before = yield* storedRows("900007")
      yield* (yield* EventWriter).write(withResult(base, raceId, result))
      assert.deepStrictEqual(yield* storedRows("900007"), before)
    }))

  it.effect("stores page validators with the depth; a 304 keeps the higher depth its data was stored at", () =>
    Effect.gen(function*() {
      const writer = yield* EventWriter
      const snapshot = syntheticSnapshot("900008", { races: 2, drivers: 2, laps: 2 })
      const [first, second] = snapshot.races.map((race) => race.raceId) as [LiveRcId, LiveRcId]
      yield* writer.write({
        ...snapshot,
        validators: [
          { url: eventUrl("900008"), etag: "\"e1\"", lastModified: "Sun, 16 Nov 2025 10:00:00 GMT" },
          { url: raceUrl(first), etag: "\"r1\"", lastModified: null },
          { url: raceUrl(second), etag: null, lastModified: "Sun, 16 Nov 2025 11:00:00 GMT" }
        ]
      })
      const validators = yield* PageValidators
      const stored = yield* validators.lookup([eventUrl("900008"), raceUrl(first), raceUrl(second), raceUrl("1")])
      assert.deepStrictEqual(stored.get(eventUrl("900008")), {
        etag: "\"e1\"",
        lastModified: "Sun, 16 Nov 2025 10:00:00 GMT",
        depth: "laps_full"
      })
      assert.deepStrictEqual(stored.get(raceUrl(second)), {
        etag: null,
        lastModified: "Sun, 16 Nov 2025 11:00:00 GMT",
        depth: "laps_full"
      })
      assert.isFalse(stored.has(raceUrl("1")))

      // A summary ingest: race 1 changed (rewritten at summary), race 2 answered 304.
      yield* writer.write({
        ...snapshot,
        depth: "summary",
        event: null,
        races: [
          { raceId: first, listing: null, result: syntheticResult(first, { drivers: 2, laps: 2, variant: 1 }) },
          { raceId: second, listing: null, result: null }
        ],
        validators: [
          { url: raceUrl(first), etag: "\"r2\"", lastModified: null },
          { url: raceUrl(second), etag: null, lastModified: "Sun, 16 Nov 2025 11:00:00 GMT", notModified: true }
        ]
      })
      const later = yield* validators.lookup([raceUrl(first), raceUrl(second)])
      assert.deepStrictEqual(later.get(raceUrl(first)), { etag: "\"r2\"", lastModified: null, depth: "summary" })
      assert.strictEqual(later.get(raceUrl(second))?.depth, "laps_full")
      assert.deepStrictEqual((yield* validators.lookup([])).size, 0)
    }))

  it.effect("a writer of an event waits for the event's advisory lock, inside its transaction only", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient
      const writer = yield* EventWriter
      const release = yield* Deferred.make<void>()
      const locked = yield* Deferred.make<void>()
      const holder = yield* sql.withTransaction(
        lockForTransaction(sql, eventLockKey("900009")).pipe(
          Effect.andThen(Deferred.succeed(locked, undefined)),
          Effect.andThen(Deferred.await(release))
        )
      ).pipe(Effect.forkChild)
      yield* Deferred.await(locked)
      const write = yield* writer.write(syntheticSnapshot("900009", { races: 1, drivers: 2, laps: 2 })).pipe(
        Effect.forkChild
      )
      yield* eventually(
        Effect.map(advisoryLocks({ waiting: true }), (waiting) => waiting === 1),
        "the writer waits on the advisory lock"
      )
      assert.isTrue(Option.isNone(yield* (yield* EventReader).show(id("900009"))))
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(holder)
      assert.deepStrictEqual(yield* Fiber.join(write), { races: 1, results: 2, drivers: 2, laps: 4 })
      assert.strictEqual(yield* advisoryLocks(), 0)
    }))

  it.effect("concurrent writers of one event, and of events sharing drivers, all complete without duplicates", () =>
    Effect.gen(function*() {
      const writer = yield* EventWriter
      const sameEvent = [0, 1, 2, 3].map((variant) =>
        syntheticSnapshot("900010", { races: 3, drivers: 6, laps: 5, variant })
      )
      const otherEvents = ["900011", "900012", "900013"].map((eventId) =>
        syntheticSnapshot(eventId, { races: 2, drivers: 6, laps: 5 })
      )
      const counts = yield* Effect.all([...sameEvent, ...otherEvents].map((snapshot) => writer.write(snapshot)), {
        concurrency: "unbounded"
      })
      for (const count of counts) assert.deepStrictEqual(count.results, count.races * 6)
      const stored = yield* storedRows("900010")
      assert.strictEqual(stored.results.length, 18)
      assert.strictEqual(stored.laps.length, 90)
      const sql = yield* SqlClient
      const duplicates = yield* sql<{ n: number }>`
        SELECT count(*)::int4 AS n FROM (
          SELECT source_driver_id FROM drivers WHERE source_driver_id IS NOT NULL
          GROUP BY source_driver_id HAVING count(*) > 1
        ) d
      `
      assert.strictEqual(duplicates[0]!.n, 0)
      // Whichever writer committed last, every race holds one complete variant.
      for (const race of sameEvent[0]!.races) {
        const shown = Option.getOrThrow(yield* (yield* RaceReader).show(race.raceId))
        const variant = shown.results[0]!.laps[0]!.timeMs - 30_000
        assert.deepStrictEqual(shown, syntheticResult(race.raceId, { drivers: 6, laps: 5, variant }))
      }
      assert.strictEqual(yield* advisoryLocks(), 0)
    }))

  it.effect("an interrupted write leaves nothing of the event and no lock", () =>
    Effect.gen(function*() {
      const sql = yield* SqlClient
      const writer = yield* EventWriter
      // Park the write at its last step by holding a row lock on a validator it must update.
      const blockedUrl = eventUrl("900014")
      yield* sql`INSERT INTO page_validators (url, etag, depth) VALUES (${blockedUrl}, 'x', 'summary')`
      const release = yield* Deferred.make<void>()
      const locked = yield* Deferred.make<void>()
      const holder = yield* sql.withTransaction(
        sql`SELECT 1 FROM page_validators WHERE url = ${blockedUrl} FOR UPDATE`.pipe(
          Effect.andThen(Deferred.succeed(locked, undefined)),
          Effect.andThen(Deferred.await(release))
        )
      ).pipe(Effect.forkChild)
      yield* Deferred.await(locked)
      const snapshot = {
        ...syntheticSnapshot("900014", { races: 2, drivers: 3, laps: 4 }),
        validators: [{ url: blockedUrl, etag: "\"v\"", lastModified: null }]
      }
      const write = yield* writer.write(snapshot).pipe(Effect.forkChild)
      yield* eventually(
        Effect.map(
          sql<{ n: number }>`
            SELECT count(*)::int4 AS n FROM pg_stat_activity
            WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%page_validators%'
          `,
          (rows) => rows[0]!.n === 1
        ),
        "the write waits at its validators"
      )
      const exit = yield* Fiber.interrupt(write).pipe(Effect.andThen(Fiber.await(write)))
      assert.isTrue(Exit.isFailure(exit) && Exit.hasInterrupts(exit))
      yield* Deferred.succeed(release, undefined)
      yield* Fiber.join(holder)
      const stored = yield* storedRows("900014")
      assert.deepStrictEqual([stored.events.length, stored.races.length, stored.results.length, stored.laps.length], [
        0,
        0,
        0,
        0
      ])
      const validator = yield* (yield* PageValidators).lookup([blockedUrl])
      assert.strictEqual(validator.get(blockedUrl)?.etag, "x")
      assert.strictEqual(yield* advisoryLocks(), 0)
    }))

  it.effect("a concurrent reader never sees a race with half its laps", () =>
    Effect.gen(function*() {
      const writer = yield* EventWriter
      const reader = yield* RaceReader
      const versions = [
        syntheticSnapshot("900015", { races: 1, drivers: 8, laps: 40, variant: 0 }),
        syntheticSnapshot("900015", { races: 1, drivers: 8, laps: 25, variant: 500 })
      ]
      const raceId = versions[0]!.races[0]!.raceId
      const expected = versions.map((version) => JSON.stringify(version.races[0]!.result))
      yield* writer.write(versions[0]!)
      const seen = new Map<number, number>()
      const writes = yield* Effect.forEach(
        Array.from({ length: 30 }, (_, index) => versions[(index + 1) % 2]!),
        (snapshot) => writer.write(snapshot),
        { discard: true }
      ).pipe(Effect.forkChild)
      const reads = Effect.gen(function*() {
        while (writes.pollUnsafe() === undefined) {
          const shown = JSON.stringify(Option.getOrThrow(yield* reader.show(raceId)))
          const version = expected.indexOf(shown)
          assert.notStrictEqual(version, -1, "a read saw a mix of two writes")
          seen.set(version, (seen.get(version) ?? 0) + 1)
        }
      })
      yield* Effect.all([reads, reads], { concurrency: "unbounded", discard: true })
      yield* Fiber.join(writes)
      // Both versions were read while the writes alternated, so the reads really overlapped them.
      assert.strictEqual(seen.size, 2)
    }))
})
