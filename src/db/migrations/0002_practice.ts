import { Effect } from "effect"
import { SqlClient } from "effect/sql"

/** Practice days a discovery found, their sessions and, once a session is ingested, its laps. */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  yield* sql`
    CREATE TABLE practice_days (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      track_id bigint NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
      date date NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT practice_days_track_date_key UNIQUE (track_id, date)
    )
  `

  yield* sql`
    CREATE TABLE practice_sessions (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      source_session_id text NOT NULL CONSTRAINT practice_sessions_source_session_id_key UNIQUE,
      practice_day_id bigint NOT NULL REFERENCES practice_days (id) ON DELETE CASCADE,
      driver_name text NOT NULL,
      class_name text,
      transponder text,
      started_at timestamp NOT NULL,
      lap_count integer NOT NULL,
      duration_ms integer,
      fast_lap_ms integer,
      avg_lap_ms integer,
      consistency_pct double precision,
      ingest_depth text NOT NULL DEFAULT 'summary' CHECK (ingest_depth IN ('summary', 'laps_full')),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )
  `
  yield* sql`CREATE INDEX practice_sessions_day_started_idx ON practice_sessions (practice_day_id, started_at)`

  yield* sql`
    CREATE TABLE practice_laps (
      practice_session_id bigint NOT NULL REFERENCES practice_sessions (id) ON DELETE CASCADE,
      lap integer NOT NULL,
      time_ms integer NOT NULL,
      PRIMARY KEY (practice_session_id, lap)
    )
  `
})
