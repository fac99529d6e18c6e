import { Context, Effect, Layer, Option } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import type { LiveRcId } from "../liverc/LiveRcIds.ts"
import type { Lap, RaceResult, RaceResultRow } from "../liverc/models/RaceResult.ts"
import type { PersistenceError } from "./PersistenceError.ts"
import { withPersistenceErrors } from "./PersistenceError.ts"

/**
 * A stored race in exactly the `parse race-result` shape (same keys, same order, raceId set), so
 * what is stored and what a page parses to can be compared by anyone. One statement reads the
 * race, its results and their laps, so a concurrent write is seen entirely or not at all.
 */
export class RaceReader extends Context.Service<RaceReader, {
  /** None when the race is unknown or its result page was never stored. */
  readonly show: (raceId: LiveRcId) => Effect.Effect<Option.Option<RaceResult>, PersistenceError>
}>()("liverc-ingest/db/RaceReader") {
  static readonly layer = Layer.effect(
    RaceReader,
    Effect.gen(function*() {
      const sql = yield* SqlClient

      const show = Effect.fn("RaceReader.show")(function*(raceId: LiveRcId) {
        const rows = yield* sql<StoredRow>`
          SELECT
            r.page_race_number, r.page_class_name, r.page_round,
            rr.row_order, rr.position, rr.driver_name, rr.source_driver_id, rr.car_number, rr.qual_position,
            rr.laps_completed, rr.total_time_ms, rr.fast_lap_ms, rr.fast_lap_number, rr.avg_lap_ms,
            rr.consistency_pct, l.lap_numbers, l.lap_positions, l.lap_times
          FROM races r
          LEFT JOIN race_results rr ON rr.race_id = r.id
          LEFT JOIN LATERAL (
            SELECT
              array_agg(lap ORDER BY lap) AS lap_numbers,
              array_agg(position ORDER BY lap) AS lap_positions,
              array_agg(time_ms ORDER BY lap) AS lap_times
            FROM laps WHERE race_result_id = rr.id
          ) l ON true
          WHERE r.source_race_id = ${raceId}
          ORDER BY rr.row_order
        `.pipe(withPersistenceErrors("RaceReader.show"))
        const header = rows[0]
        if (header === undefined || header.page_class_name === null) return Option.none<RaceResult>()
        const result: RaceResult = {
          raceId,
          raceNumber: header.page_race_number,
          className: header.page_class_name,
          round: header.page_round,
          results: rows.filter((row) => row.row_order !== null).map(toResultRow)
        }
        return Option.some(result)
      })

      return RaceReader.of({ show })
    })
  )
}

interface StoredRow {
  readonly page_race_number: number | null
  readonly page_class_name: string | null
  readonly page_round: string | null
  readonly row_order: number | null
  readonly position: number | null
  readonly driver_name: string
  readonly source_driver_id: string | null
  readonly car_number: string | null
  readonly qual_position: number | null
  readonly laps_completed: number
  readonly total_time_ms: number | null
  readonly fast_lap_ms: number | null
  readonly fast_lap_number: number | null
  readonly avg_lap_ms: number | null
  readonly consistency_pct: number | null
  readonly lap_numbers: ReadonlyArray<number> | null
  readonly lap_positions: ReadonlyArray<number | null> | null
  readonly lap_times: ReadonlyArray<number> | null
}

// The stored values were checked by the page models before they were written, hence the casts
// back to their branded types.
const toResultRow = (row: StoredRow): RaceResultRow => ({
  position: row.position,
  driverName: row.driver_name,
  sourceDriverId: row.source_driver_id as LiveRcId | null,
  carNumber: row.car_number,
  qualPosition: row.qual_position,
  lapsCompleted: row.laps_completed,
  totalTimeMs: row.total_time_ms,
  fastLapMs: row.fast_lap_ms,
  fastLapNumber: row.fast_lap_number,
  avgLapMs: row.avg_lap_ms,
  consistencyPct: row.consistency_pct,
  laps: (row.lap_numbers ?? []).map((lap, index): Lap => ({
    lap,
    position: row.lap_positions?.[index] ?? null,
    timeMs: row.lap_times![index]!
  }))
})
