import { Effect } from "effect"
import { SqlClient } from "effect/sql"

/**
 * Whether a track is still in LiveRC's catalogue. A track sync marks the tracks it stopped seeing
 * inactive (their events and results stay) and reactivates any that come back.
 */
export default Effect.gen(function*() {
  const sql = yield* SqlClient.SqlClient

  yield* sql`
    ALTER TABLE tracks
      ADD COLUMN active boolean NOT NULL DEFAULT true,
      ADD COLUMN deactivated_at timestamptz
  `
})
