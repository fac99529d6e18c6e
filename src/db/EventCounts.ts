import { Effect } from "effect"
import type { SqlClient } from "effect/sql/SqlClient"
import type { WriteCounts } from "./EventSnapshot.ts"

/** What is stored for an event (by its row id): what an ingest job reports. */
export const countEvent = (sql: SqlClient, eventRowId: bigint) =>
  Effect.map(
    sql<WriteCounts>`
      SELECT
        (SELECT count(*) FROM races WHERE event_id = ${eventRowId})::int4 AS races,
        (
          SELECT count(*) FROM race_results rr JOIN races r ON r.id = rr.race_id WHERE r.event_id = ${eventRowId}
        )::int4 AS results,
        (
          SELECT count(DISTINCT coalesce('id:' || rr.source_driver_id, 'name:' || rr.driver_name))
          FROM race_results rr JOIN races r ON r.id = rr.race_id WHERE r.event_id = ${eventRowId}
        )::int4 AS drivers,
        (
          SELECT count(*) FROM laps l
          JOIN race_results rr ON rr.id = l.race_result_id JOIN races r ON r.id = rr.race_id
          WHERE r.event_id = ${eventRowId}
        )::int4 AS laps
    `,
    (rows) => rows[0]!
  )
