import type { SqlAccess } from "./IngestRig.ts"

/**
 * What an event ingest stored, per table, independent of the order jobs ran in: the row count and
 * an md5 over the rows sorted as text, where surrogate keys are replaced by the LiveRC ids they
 * point at and bookkeeping times (every `timestamptz` column) are left out. Two databases that
 * ingested the same events hold the same data exactly when their digests are equal.
 */

interface TableShape {
  /** Surrogate foreign keys, dropped in favour of `natural`. */
  readonly surrogates: ReadonlyArray<string>
  readonly joins: string
  /** SQL expression: a jsonb object of the natural keys behind the surrogates. */
  readonly natural: string
}

const shapes: Record<string, TableShape> = {
  tracks: { surrogates: [], joins: "", natural: "'{}'::jsonb" },
  events: {
    surrogates: ["track_id"],
    joins: "JOIN tracks t ON t.id = x.track_id",
    natural: "jsonb_build_object('track', t.slug)"
  },
  races: {
    surrogates: ["event_id"],
    joins: "JOIN events e ON e.id = x.event_id",
    natural: "jsonb_build_object('event', e.source_event_id)"
  },
  drivers: { surrogates: [], joins: "", natural: "'{}'::jsonb" },
  event_entries: {
    surrogates: ["event_id"],
    joins: "JOIN events e ON e.id = x.event_id",
    natural: "jsonb_build_object('event', e.source_event_id)"
  },
  race_results: {
    surrogates: ["race_id", "driver_id"],
    joins: "JOIN races r ON r.id = x.race_id LEFT JOIN drivers d ON d.id = x.driver_id",
    natural: "jsonb_build_object('race', r.source_race_id, 'driver', d.source_driver_id, 'driver_row_name', d.name)"
  },
  laps: {
    surrogates: ["race_result_id"],
    joins: "JOIN race_results rr ON rr.id = x.race_result_id JOIN races r ON r.id = rr.race_id",
    natural: "jsonb_build_object('race', r.source_race_id, 'row_key', rr.row_key)"
  },
  page_validators: { surrogates: [], joins: "", natural: "'{}'::jsonb" }
}

export const comparedTables = Object.keys(shapes)

export interface TableDigest {
  readonly rows: number
  readonly md5: string
}

export const tableDigests = async (sql: SqlAccess): Promise<Record<string, TableDigest>> => {
  const digests: Record<string, TableDigest> = {}
  for (const [table, shape] of Object.entries(shapes)) {
    const times = await sql.query<{ column_name: string }>(
      `SELECT column_name FROM information_schema.columns
       WHERE table_schema = current_schema() AND table_name = $1 AND data_type = 'timestamp with time zone'`,
      [table]
    )
    const dropped = ["id", ...shape.surrogates, ...times.map((c) => c.column_name)]
    const [digest] = await sql.query<{ rows: number; md5: string }>(
      `SELECT count(*)::int4 AS rows, md5(coalesce(string_agg(row, E'\\n' ORDER BY row), '')) AS md5
       FROM (SELECT ((to_jsonb(x) - ARRAY[${dropped.map((c) => `'${c}'`).join(", ")}]::text[]) || ${shape.natural})::text AS row
             FROM ${table} x ${shape.joins}) q`
    )
    digests[table] = digest!
  }
  return digests
}
