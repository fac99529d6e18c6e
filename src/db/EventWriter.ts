import { Context, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import type { IngestDepth } from "../liverc/LiveRcIds.ts"
import type { EventRace } from "../liverc/models/EventPage.ts"
import type { RaceResult } from "../liverc/models/RaceResult.ts"
import { eventLockKey, lockForTransaction } from "./AdvisoryLock.ts"
import { countEvent } from "./EventCounts.ts"
import {
  entryKeys,
  type EventSnapshot,
  resultRowKeys,
  type SnapshotValidator,
  snapshotProblem,
  type WriteCounts
} from "./EventSnapshot.ts"
import { invalidSnapshot, type PersistenceError, withPersistenceErrors } from "./PersistenceError.ts"
import { boolArray, float8Array, int4Array, int8Array, textArray } from "./SqlArrays.ts"
import { writeStandings } from "./StandingsWriter.ts"
import { ensureTrack } from "./TrackRow.ts"

/**
 * Stores one event snapshot in a single short transaction: the event's advisory lock is taken
 * inside it, then event, races, drivers, results, entries, (at `laps_full`) laps, the standings
 * pages (StandingsWriter) and the page validators are upserted in bulk, and the event's depth is
 * raised last. Either all of it commits
 * or none of it does, so a failed or interrupted write leaves nothing half-written and a reader
 * never sees a race with half its laps. Re-writing the same snapshot changes no row and keeps
 * every id; rows that vanished upstream (a race, a result row, a lap) are removed.
 */
export class EventWriter extends Context.Service<EventWriter, {
  readonly write: (snapshot: EventSnapshot) => Effect.Effect<WriteCounts, PersistenceError>
  /**
   * Only the validators, for pages whose data is stored and unchanged (a refresh that found the
   * event page the same under a new ETag): nothing else is touched.
   */
  readonly recordValidators: (
    depth: IngestDepth,
    validators: ReadonlyArray<SnapshotValidator>
  ) => Effect.Effect<void, PersistenceError>
}>()("liverc-ingest/db/EventWriter") {
  static readonly layer = Layer.effect(
    EventWriter,
    Effect.gen(function*() {
      const sql = yield* SqlClient

      const write = Effect.fn("EventWriter.write")(function*(snapshot: EventSnapshot) {
        const problem = snapshotProblem(snapshot)
        if (problem !== undefined) {
          return yield* invalidSnapshot("EventWriter.write", `event ${snapshot.eventId}: ${problem}`)
        }
        const plan = planRaces(snapshot)
        return yield* sql.withTransaction(writeInTransaction(sql, snapshot, plan)).pipe(
          withPersistenceErrors("EventWriter.write")
        )
      })

      const recordValidators = (depth: IngestDepth, validators: ReadonlyArray<SnapshotValidator>) =>
        storeValidators(sql, depth, validators).pipe(
          withPersistenceErrors("EventWriter.recordValidators"),
          Effect.withSpan("EventWriter.recordValidators")
        )

      return EventWriter.of({ write, recordValidators })
    })
  )
}

interface PlannedRace {
  readonly raceId: string
  readonly listing: EventRace | null
  /** Position on the event page; null keeps the stored one. */
  readonly order: number | null
  readonly result: RaceResult | null
}

/** The event page's race list with the snapshot's races laid over it. */
const planRaces = (snapshot: EventSnapshot): ReadonlyArray<PlannedRace> => {
  const planned = new Map<string, PlannedRace>()
  snapshot.event?.races.forEach((listing, order) => {
    planned.set(listing.raceId, { raceId: listing.raceId, listing, order, result: null })
  })
  for (const race of snapshot.races) {
    const listed = planned.get(race.raceId)
    planned.set(race.raceId, {
      raceId: race.raceId,
      listing: race.listing ?? listed?.listing ?? null,
      order: listed?.order ?? null,
      result: race.result
    })
  }
  return [...planned.values()]
}

const writeInTransaction = (sql: SqlClient, snapshot: EventSnapshot, races: ReadonlyArray<PlannedRace>) =>
  Effect.gen(function*() {
    yield* lockForTransaction(sql, eventLockKey(snapshot.eventId))
    const trackId = yield* ensureTrack(sql, snapshot.trackSlug)
    const eventRowId = yield* upsertEvent(sql, snapshot, trackId)
    if (eventRowId === undefined) {
      return yield* invalidSnapshot(
        "EventWriter.write",
        `event ${snapshot.eventId} is not stored, so its page cannot be reported unchanged`
      )
    }
    yield* upsertRaces(sql, eventRowId, snapshot, races)
    if (snapshot.event !== null) {
      yield* sql`
        DELETE FROM races
        WHERE event_id = ${eventRowId} AND source_race_id <> ALL (${textArray(races.map((race) => race.raceId))})
      `
    }
    const written = races.filter((race): race is PlannedRace & { result: RaceResult } => race.result !== null)
    if (written.length > 0) {
      const resultIds = yield* upsertResults(sql, written)
      if (snapshot.depth === "laps_full") yield* replaceLaps(sql, written, resultIds)
    }
    if (snapshot.entryList !== undefined && snapshot.entryList !== null) {
      yield* replaceEntries(sql, eventRowId, snapshot.entryList)
    }
    yield* writeStandings(sql, eventRowId, snapshot)
    yield* storeValidators(sql, snapshot.depth, snapshot.validators)
    yield* sql`
      UPDATE events SET
        ingest_depth = CASE WHEN ingest_depth_rank(${snapshot.depth}) > ingest_depth_rank(ingest_depth)
          THEN ${snapshot.depth} ELSE ingest_depth END,
        last_ingested_at = now(),
        updated_at = now()
      WHERE id = ${eventRowId}
    `
    return yield* countEvent(sql, eventRowId)
  })

/** The event row's id; undefined when the event page was unchanged but the event is not stored. */
const upsertEvent = (sql: SqlClient, snapshot: EventSnapshot, trackId: bigint) =>
  Effect.gen(function*() {
    const page = snapshot.event
    if (page === null) {
      const rows = yield* sql<{ id: bigint }>`SELECT id FROM events WHERE source_event_id = ${snapshot.eventId}`
      return rows[0]?.id
    }
    const rows = yield* sql<{ id: bigint }>`
      INSERT INTO events (
        source_event_id, track_id, name, date, date_end, entries, drivers, total_race_laps, entry_list_id,
        multi_mains, points, round_rankings, overall_ranking_id, page_hash, page_stored_at
      ) VALUES (
        ${snapshot.eventId}, ${trackId}, ${page.name}, ${page.date}::date, ${page.dateEnd}::date,
        ${page.entries}::int4, ${page.drivers}::int4, ${page.totalRaceLaps}::int4, ${page.entryListId},
        ${JSON.stringify(page.multiMains)}::jsonb, ${JSON.stringify(page.points)}::jsonb,
        ${JSON.stringify(page.roundRankings)}::jsonb, ${page.overallRankingId}, ${snapshot.pageHash ?? null}, now()
      )
      ON CONFLICT (source_event_id) DO UPDATE SET
        track_id = excluded.track_id,
        name = excluded.name,
        date = excluded.date,
        date_end = excluded.date_end,
        entries = excluded.entries,
        drivers = excluded.drivers,
        total_race_laps = excluded.total_race_laps,
        entry_list_id = excluded.entry_list_id,
        multi_mains = excluded.multi_mains,
        points = excluded.points,
        round_rankings = excluded.round_rankings,
        overall_ranking_id = excluded.overall_ranking_id,
        page_hash = excluded.page_hash,
        page_stored_at = excluded.page_stored_at,
        updated_at = now()
      RETURNING id
    `
    return rows[0]?.id
  })

/**
 * A null listing (label) or result header (page_class_name) in `excluded` means "unchanged":
 * both are non-blank whenever the page was read, so they double as presence markers.
 */
const upsertRaces = (
  sql: SqlClient,
  eventRowId: bigint,
  snapshot: EventSnapshot,
  races: ReadonlyArray<PlannedRace>
) =>
  sql`
    INSERT INTO races (
      source_race_id, event_id, listing_order, race_number, class_name, label, round, completed_at,
      page_race_number, page_class_name, page_round, result_stored_at, ingest_depth
    )
    SELECT
      u.source_race_id, ${eventRowId}, u.listing_order, u.race_number, u.class_name, u.label, u.round,
      u.completed_at::timestamp, u.page_race_number, u.page_class_name, u.page_round,
      CASE WHEN u.has_result THEN now() END,
      CASE WHEN u.has_result THEN ${snapshot.depth} ELSE 'none' END
    FROM unnest(
      ${textArray(races.map((race) => race.raceId))},
      ${int4Array(races.map((race) => race.order))},
      ${int4Array(races.map((race) => race.listing?.raceNumber ?? null))},
      ${textArray(races.map((race) => race.listing?.className ?? null))},
      ${textArray(races.map((race) => race.listing?.label ?? null))},
      ${textArray(races.map((race) => race.listing?.round ?? null))},
      ${textArray(races.map((race) => race.listing?.completedAt ?? null))},
      ${boolArray(races.map((race) => race.result !== null))},
      ${int4Array(races.map((race) => race.result?.raceNumber ?? null))},
      ${textArray(races.map((race) => race.result?.className ?? null))},
      ${textArray(races.map((race) => race.result?.round ?? null))}
    ) AS u(
      source_race_id, listing_order, race_number, class_name, label, round, completed_at,
      has_result, page_race_number, page_class_name, page_round
    )
    ON CONFLICT (source_race_id) DO UPDATE SET
      event_id = excluded.event_id,
      listing_order = CASE WHEN excluded.label IS NULL THEN races.listing_order
        ELSE coalesce(excluded.listing_order, races.listing_order) END,
      race_number = CASE WHEN excluded.label IS NULL THEN races.race_number ELSE excluded.race_number END,
      class_name = CASE WHEN excluded.label IS NULL THEN races.class_name ELSE excluded.class_name END,
      label = coalesce(excluded.label, races.label),
      round = CASE WHEN excluded.label IS NULL THEN races.round ELSE excluded.round END,
      completed_at = CASE WHEN excluded.label IS NULL THEN races.completed_at ELSE excluded.completed_at END,
      page_race_number = CASE WHEN excluded.page_class_name IS NULL THEN races.page_race_number
        ELSE excluded.page_race_number END,
      page_round = CASE WHEN excluded.page_class_name IS NULL THEN races.page_round ELSE excluded.page_round END,
      page_class_name = coalesce(excluded.page_class_name, races.page_class_name),
      result_stored_at = coalesce(excluded.result_stored_at, races.result_stored_at),
      ingest_depth = CASE WHEN excluded.page_class_name IS NULL THEN races.ingest_depth ELSE excluded.ingest_depth END,
      updated_at = now()
  `

/**
 * Upserts drivers (sorted, so two events sharing drivers lock them in the same order and cannot
 * deadlock) and every result row of the written races, deletes rows that left those races, and
 * returns the ids of the races' result rows keyed by `raceId + row key`.
 */
const upsertResults = (sql: SqlClient, races: ReadonlyArray<PlannedRace & { result: RaceResult }>) =>
  Effect.gen(function*() {
    const drivers = new Map<string, string>()
    for (const race of races) {
      for (const row of race.result.results) {
        if (row.sourceDriverId !== null) drivers.set(row.sourceDriverId, row.driverName)
      }
    }
    if (drivers.size > 0) {
      const ids = [...drivers.keys()].sort()
      yield* sql`
        INSERT INTO drivers (source_driver_id, name)
        SELECT * FROM unnest(${textArray(ids)}, ${textArray(ids.map((id) => drivers.get(id)!))})
        ON CONFLICT (source_driver_id) WHERE source_driver_id IS NOT NULL
        DO UPDATE SET name = excluded.name, updated_at = now()
        WHERE drivers.name IS DISTINCT FROM excluded.name
      `
    }

    const rows = races.flatMap((race) => {
      const keys = resultRowKeys(race.result.results)
      return race.result.results.map((row, index) => ({ raceId: race.raceId, key: keys[index]!, order: index, row }))
    })
    const raceIds = textArray(races.map((race) => race.raceId))
    const rowRaceIds = textArray(rows.map((entry) => entry.raceId))
    const rowKeys = textArray(rows.map((entry) => entry.key))
    if (rows.length > 0) {
      yield* sql`
        INSERT INTO race_results (
          race_id, row_key, row_order, driver_id, position, driver_name, source_driver_id, car_number,
          qual_position, laps_completed, total_time_ms, fast_lap_ms, fast_lap_number, avg_lap_ms, consistency_pct
        )
        SELECT
          r.id, u.row_key, u.row_order, d.id, u.position, u.driver_name, u.source_driver_id, u.car_number,
          u.qual_position, u.laps_completed, u.total_time_ms, u.fast_lap_ms, u.fast_lap_number, u.avg_lap_ms,
          u.consistency_pct
        FROM unnest(
          ${rowRaceIds},
          ${rowKeys},
          ${int4Array(rows.map((entry) => entry.order))},
          ${int4Array(rows.map((entry) => entry.row.position))},
          ${textArray(rows.map((entry) => entry.row.driverName))},
          ${textArray(rows.map((entry) => entry.row.sourceDriverId))},
          ${textArray(rows.map((entry) => entry.row.carNumber))},
          ${int4Array(rows.map((entry) => entry.row.qualPosition))},
          ${int4Array(rows.map((entry) => entry.row.lapsCompleted))},
          ${int4Array(rows.map((entry) => entry.row.totalTimeMs))},
          ${int4Array(rows.map((entry) => entry.row.fastLapMs))},
          ${int4Array(rows.map((entry) => entry.row.fastLapNumber))},
          ${int4Array(rows.map((entry) => entry.row.avgLapMs))},
          ${float8Array(rows.map((entry) => entry.row.consistencyPct))}
        ) AS u(
          source_race_id, row_key, row_order, position, driver_name, source_driver_id, car_number, qual_position,
          laps_completed, total_time_ms, fast_lap_ms, fast_lap_number, avg_lap_ms, consistency_pct
        )
        JOIN races r ON r.source_race_id = u.source_race_id
        LEFT JOIN drivers d ON d.source_driver_id = u.source_driver_id
        ON CONFLICT (race_id, row_key) DO UPDATE SET
          row_order = excluded.row_order,
          driver_id = excluded.driver_id,
          position = excluded.position,
          driver_name = excluded.driver_name,
          source_driver_id = excluded.source_driver_id,
          car_number = excluded.car_number,
          qual_position = excluded.qual_position,
          laps_completed = excluded.laps_completed,
          total_time_ms = excluded.total_time_ms,
          fast_lap_ms = excluded.fast_lap_ms,
          fast_lap_number = excluded.fast_lap_number,
          avg_lap_ms = excluded.avg_lap_ms,
          consistency_pct = excluded.consistency_pct,
          updated_at = now()
        WHERE (
          race_results.row_order, race_results.driver_id, race_results.position, race_results.driver_name,
          race_results.source_driver_id, race_results.car_number, race_results.qual_position,
          race_results.laps_completed, race_results.total_time_ms, race_results.fast_lap_ms,
          race_results.fast_lap_number, race_results.avg_lap_ms, race_results.consistency_pct
        ) IS DISTINCT FROM (
          excluded.row_order, excluded.driver_id, excluded.position, excluded.driver_name,
          excluded.source_driver_id, excluded.car_number, excluded.qual_position,
          excluded.laps_completed, excluded.total_time_ms, excluded.fast_lap_ms,
          excluded.fast_lap_number, excluded.avg_lap_ms, excluded.consistency_pct
        )
      `
    }
    yield* sql`
      DELETE FROM race_results rr USING races r
      WHERE rr.race_id = r.id AND r.source_race_id = ANY (${raceIds})
        AND NOT EXISTS (
          SELECT 1 FROM unnest(${rowRaceIds}, ${rowKeys}) AS k(source_race_id, row_key)
          WHERE k.source_race_id = r.source_race_id AND k.row_key = rr.row_key
        )
    `
    const stored = yield* sql<{ id: bigint; source_race_id: string; row_key: string }>`
      SELECT rr.id, r.source_race_id, rr.row_key
      FROM race_results rr JOIN races r ON r.id = rr.race_id
      WHERE r.source_race_id = ANY (${raceIds})
    `
    return new Map(stored.map((row) => [`${row.source_race_id}/${row.row_key}`, row.id]))
  })

interface LapColumns {
  readonly resultIds: Array<bigint>
  readonly laps: Array<number>
  readonly positions: Array<number | null>
  readonly times: Array<number>
}

const lapColumns = (): LapColumns => ({ resultIds: [], laps: [], positions: [], times: [] })

/**
 * Makes the written races' laps exactly the snapshot's. Result rows without stored laps (a new
 * race, or one stored at `summary` so far) get a plain bulk INSERT, the fast path, about a fifth
 * quicker than an upsert; the others get one statement that deletes the laps that are gone,
 * updates changed ones, inserts new ones and leaves identical ones alone. Nothing else can add
 * laps to these results meanwhile: they belong to this event, whose lock the transaction holds.
 */
const replaceLaps = (
  sql: SqlClient,
  races: ReadonlyArray<PlannedRace & { result: RaceResult }>,
  resultIds: ReadonlyMap<string, bigint>
) =>
  Effect.gen(function*() {
    const allIds = [...resultIds.values()]
    const withLaps = new Set(
      (yield* sql<{ id: bigint }>`
        SELECT id FROM unnest(${int8Array(allIds)}) AS r(id)
        WHERE EXISTS (SELECT 1 FROM laps WHERE race_result_id = r.id)
      `).map((row) => row.id)
    )
    const fresh = lapColumns()
    const stored = lapColumns()
    for (const race of races) {
      const keys = resultRowKeys(race.result.results)
      race.result.results.forEach((row, index) => {
        const id = resultIds.get(`${race.raceId}/${keys[index]}`)!
        const columns = withLaps.has(id) ? stored : fresh
        for (const lap of row.laps) {
          columns.resultIds.push(id)
          columns.laps.push(lap.lap)
          columns.positions.push(lap.position)
          columns.times.push(lap.timeMs)
        }
      })
    }
    if (fresh.laps.length > 0) {
      yield* sql`
        INSERT INTO laps (race_result_id, lap, position, time_ms)
        SELECT * FROM unnest(
          ${int8Array(fresh.resultIds)}, ${int4Array(fresh.laps)}, ${int4Array(fresh.positions)}, ${
        int4Array(fresh.times)
      }
        )
      `
    }
    if (withLaps.size > 0) {
      yield* sql`
        WITH input AS (
          SELECT * FROM unnest(
            ${int8Array(stored.resultIds)}, ${int4Array(stored.laps)}, ${int4Array(stored.positions)}, ${
        int4Array(stored.times)
      }
          ) AS u(race_result_id, lap, position, time_ms)
        ), gone AS (
          DELETE FROM laps l
          WHERE l.race_result_id = ANY (${int8Array([...withLaps])})
            AND NOT EXISTS (SELECT 1 FROM input i WHERE i.race_result_id = l.race_result_id AND i.lap = l.lap)
        )
        INSERT INTO laps (race_result_id, lap, position, time_ms)
        SELECT race_result_id, lap, position, time_ms FROM input
        ON CONFLICT (race_result_id, lap) DO UPDATE SET position = excluded.position, time_ms = excluded.time_ms
        WHERE (laps.position, laps.time_ms) IS DISTINCT FROM (excluded.position, excluded.time_ms)
      `
    }
  })

const replaceEntries = (sql: SqlClient, eventRowId: bigint, entryList: NonNullable<EventSnapshot["entryList"]>) =>
  Effect.gen(function*() {
    const entries = entryList.classes.flatMap((entryClass, classOrder) =>
      entryClass.entries.map((entry, entryOrder) => ({ className: entryClass.className, classOrder, entryOrder, entry }))
    )
    const keys = entryKeys(entries.map(({ className, entry }) => ({ className, driverName: entry.driverName })))
    const classNames = textArray(entries.map((entry) => entry.className))
    const entryKeyArray = textArray(keys)
    yield* sql`
      INSERT INTO event_entries (
        event_id, class_name, entry_key, class_order, entry_order, car_number, driver_name, transponder
      )
      SELECT ${eventRowId}, u.* FROM unnest(
        ${classNames},
        ${entryKeyArray},
        ${int4Array(entries.map((entry) => entry.classOrder))},
        ${int4Array(entries.map((entry) => entry.entryOrder))},
        ${textArray(entries.map((entry) => entry.entry.carNumber))},
        ${textArray(entries.map((entry) => entry.entry.driverName))},
        ${textArray(entries.map((entry) => entry.entry.transponder))}
      ) AS u(class_name, entry_key, class_order, entry_order, car_number, driver_name, transponder)
      ON CONFLICT (event_id, class_name, entry_key) DO UPDATE SET
        class_order = excluded.class_order,
        entry_order = excluded.entry_order,
        car_number = excluded.car_number,
        driver_name = excluded.driver_name,
        transponder = excluded.transponder
      WHERE (
        event_entries.class_order, event_entries.entry_order, event_entries.car_number,
        event_entries.driver_name, event_entries.transponder
      ) IS DISTINCT FROM (
        excluded.class_order, excluded.entry_order, excluded.car_number, excluded.driver_name, excluded.transponder
      )
    `
    yield* sql`
      DELETE FROM event_entries e
      WHERE e.event_id = ${eventRowId}
        AND NOT EXISTS (
          SELECT 1 FROM unnest(${classNames}, ${entryKeyArray}) AS k(class_name, entry_key)
          WHERE k.class_name = e.class_name AND k.entry_key = e.entry_key
        )
    `
  })

const storeValidators = (sql: SqlClient, depth: IngestDepth, snapshotValidators: ReadonlyArray<SnapshotValidator>) => {
  const byUrl = new Map(snapshotValidators.map((validator) => [validator.url, validator]))
  if (byUrl.size === 0) return Effect.void
  const validators = [...byUrl.values()]
  return sql`
    INSERT INTO page_validators (url, etag, last_modified, depth, updated_at)
    SELECT
      u.url, u.etag, u.last_modified,
      CASE WHEN u.not_modified AND ingest_depth_rank(pv.depth) > ingest_depth_rank(${depth})
        THEN pv.depth ELSE ${depth} END,
      now()
    FROM unnest(
      ${textArray(validators.map((validator) => validator.url))},
      ${textArray(validators.map((validator) => validator.etag))},
      ${textArray(validators.map((validator) => validator.lastModified))},
      ${boolArray(validators.map((validator) => validator.notModified === true))}
    ) AS u(url, etag, last_modified, not_modified)
    LEFT JOIN page_validators pv ON pv.url = u.url
    ON CONFLICT (url) DO UPDATE SET
      etag = excluded.etag,
      last_modified = excluded.last_modified,
      depth = excluded.depth,
      updated_at = excluded.updated_at
  `.pipe(Effect.asVoid)
}
