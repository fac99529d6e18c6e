import { Effect } from "effect"
import { SqlClient } from "effect/sql"

/**
 * Tracks a user follows: their event lists are synced and their recent events ingested on the
 * default schedules. Keyed by slug, not by `tracks.id`, so a track can be followed before the
 * first catalogue sync has stored it.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  yield* sql`
    CREATE TABLE followed_tracks (
      track_slug text PRIMARY KEY CHECK (track_slug ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
      followed_at timestamptz NOT NULL DEFAULT now()
    )
  `
})
