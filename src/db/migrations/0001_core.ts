import { Effect } from "effect"
import { SqlClient } from "effect/sql"

/**
 * Tracks, events, races, drivers, event entries, race results, laps and page validators, keyed by
 * LiveRC's own ids. Surrogate `bigint` keys join the tables; the source ids are text because
 * LiveRC's ids are decimal strings and are only ever compared, never computed with.
 * LiveRC times are naive local track times, so they are `timestamp` without a zone.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  yield* sql`
    CREATE FUNCTION ingest_depth_rank(depth text) RETURNS integer
    LANGUAGE sql IMMUTABLE PARALLEL SAFE
    RETURN CASE depth WHEN 'laps_full' THEN 2 WHEN 'summary' THEN 1 ELSE 0 END
  `

  yield* sql`
    CREATE TABLE tracks (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      slug text NOT NULL CONSTRAINT tracks_slug_key UNIQUE,
      name text,
      last_activity text,
      dashboard_name text,
      address text,
      city text,
      region text,
      postcode text,
      country text,
      phone text,
      email text,
      website text,
      facebook_url text,
      logo_url text,
      description text,
      latitude double precision,
      longitude double precision,
      stat_events integer,
      stat_races integer,
      stat_entries integer,
      stat_laps bigint,
      stat_practice_sessions integer,
      catalogue_seen_at timestamptz,
      dashboard_synced_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )
  `

  yield* sql`
    CREATE TABLE events (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      source_event_id text NOT NULL CONSTRAINT events_source_event_id_key UNIQUE,
      track_id bigint NOT NULL REFERENCES tracks (id) ON DELETE CASCADE,
      name text NOT NULL,
      date date,
      date_end date,
      starts_at timestamp,
      entries integer,
      drivers integer,
      total_race_laps integer,
      entry_list_id text,
      multi_mains jsonb NOT NULL DEFAULT '[]',
      points jsonb NOT NULL DEFAULT '[]',
      round_rankings jsonb NOT NULL DEFAULT '[]',
      overall_ranking_id text,
      page_stored_at timestamptz,
      listed_at timestamptz,
      ingest_depth text NOT NULL DEFAULT 'none' CHECK (ingest_depth IN ('none', 'summary', 'laps_full')),
      last_ingested_at timestamptz,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )
  `
  yield* sql`CREATE INDEX events_track_id_starts_at_idx ON events (track_id, starts_at DESC)`

  yield* sql`
    CREATE TABLE races (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      source_race_id text NOT NULL CONSTRAINT races_source_race_id_key UNIQUE,
      event_id bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE,
      listing_order integer,
      race_number integer,
      class_name text,
      label text,
      round text,
      completed_at timestamp,
      page_race_number integer,
      page_class_name text,
      page_round text,
      result_stored_at timestamptz,
      ingest_depth text NOT NULL DEFAULT 'none' CHECK (ingest_depth IN ('none', 'summary', 'laps_full')),
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )
  `
  yield* sql`CREATE INDEX races_event_id_listing_order_idx ON races (event_id, listing_order)`

  yield* sql`
    CREATE TABLE drivers (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      source_driver_id text,
      name text NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )
  `
  yield* sql`
    CREATE UNIQUE INDEX drivers_source_driver_id_key ON drivers (source_driver_id)
    WHERE source_driver_id IS NOT NULL
  `

  yield* sql`
    CREATE TABLE event_entries (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      event_id bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE,
      class_name text NOT NULL,
      entry_key text NOT NULL,
      class_order integer NOT NULL,
      entry_order integer NOT NULL,
      car_number text,
      driver_name text NOT NULL,
      transponder text,
      CONSTRAINT event_entries_key UNIQUE (event_id, class_name, entry_key)
    )
  `

  // A result row is identified within its race by the driver's LiveRC id, or by name and
  // occurrence when the page gives no id, so two namesakes without ids stay two rows.
  yield* sql`
    CREATE TABLE race_results (
      id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
      race_id bigint NOT NULL REFERENCES races (id) ON DELETE CASCADE,
      row_key text NOT NULL,
      row_order integer NOT NULL,
      driver_id bigint REFERENCES drivers (id),
      position integer,
      driver_name text NOT NULL,
      source_driver_id text,
      car_number text,
      qual_position integer,
      laps_completed integer NOT NULL,
      total_time_ms integer,
      fast_lap_ms integer,
      fast_lap_number integer,
      avg_lap_ms integer,
      consistency_pct double precision,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      CONSTRAINT race_results_race_row_key UNIQUE (race_id, row_key)
    )
  `
  yield* sql`CREATE INDEX race_results_driver_id_idx ON race_results (driver_id)`

  yield* sql`
    CREATE TABLE laps (
      race_result_id bigint NOT NULL REFERENCES race_results (id) ON DELETE CASCADE,
      lap integer NOT NULL,
      position integer,
      time_ms integer NOT NULL,
      PRIMARY KEY (race_result_id, lap)
    )
  `

  yield* sql`
    CREATE TABLE page_validators (
      url text PRIMARY KEY,
      etag text,
      last_modified text,
      depth text NOT NULL CHECK (depth IN ('summary', 'laps_full')),
      updated_at timestamptz NOT NULL DEFAULT now()
    )
  `
})
