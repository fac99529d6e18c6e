import { Effect } from "effect"
import { SqlClient } from "effect/sql"

/**
 * The standings pages an event page links (multi-main results, round rankings, qualifying points,
 * the overall ranking), one row per page holding what its parser read, and what an event refresh
 * needs to tell an unchanged event page from a changed one.
 *
 * A page's tables are stored as the parser's JSON (`entries`, `classes`): they are read back
 * whole, never joined on, and jsonb compares by value, so an upsert can tell an unchanged page
 * and leave its row alone. Which pages an event links, with their labels and order, stays in
 * the event row (`multi_mains`, `points`, `round_rankings`, `overall_ranking_id`); a page the
 * event page stops linking loses its row.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  // page_hash: SHA-256 of the event page as parsed (not its bytes), so markup that changes
  // nothing (a new ETag, a counter in a comment) reads as unchanged. standings_retry: a standings
  // page failed in a way a later try may fix (LiveRC unavailable), so a refresh tries it again.
  yield* sql`
    ALTER TABLE events
      ADD COLUMN page_hash text,
      ADD COLUMN standings_retry boolean NOT NULL DEFAULT false
  `

  yield* sql`
    CREATE TABLE event_multi_main_results (
      event_id bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE,
      source_multi_main_id text NOT NULL,
      class_name text NOT NULL,
      label text NOT NULL,
      tie_breaker text,
      completed_mains integer,
      total_mains integer,
      mains jsonb NOT NULL,
      entries jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (event_id, source_multi_main_id)
    )
  `

  yield* sql`
    CREATE TABLE event_round_rankings (
      event_id bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE,
      source_round_id text NOT NULL,
      sort_order text CHECK (sort_order IN ('laps_time', 'top_3_consecutive')),
      title text,
      classes jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (event_id, source_round_id)
    )
  `

  yield* sql`
    CREATE TABLE event_qual_points (
      event_id bigint NOT NULL REFERENCES events (id) ON DELETE CASCADE,
      source_points_id text NOT NULL,
      classes jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now(),
      PRIMARY KEY (event_id, source_points_id)
    )
  `

  yield* sql`
    CREATE TABLE event_overall_rankings (
      event_id bigint PRIMARY KEY REFERENCES events (id) ON DELETE CASCADE,
      source_ranking_id text NOT NULL,
      classes jsonb NOT NULL,
      created_at timestamptz NOT NULL DEFAULT now(),
      updated_at timestamptz NOT NULL DEFAULT now()
    )
  `
})
