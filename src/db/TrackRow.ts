import { Effect } from "effect"
import type { SqlClient } from "effect/sql/SqlClient"
import type { TrackSlug } from "../liverc/LiveRcIds.ts"

/**
 * The id of the track row for `slug`, creating a bare row when the track is not stored yet (an
 * event can be ingested before any catalogue sync). `DO NOTHING` takes no row lock, so writers
 * of different events on one track never wait on each other here; when a concurrent writer
 * inserted the row first, the statement's snapshot cannot see it, hence the second look.
 */
export const ensureTrack = (sql: SqlClient, slug: TrackSlug) =>
  Effect.gen(function*() {
    const rows = yield* sql<{ id: bigint }>`
      WITH inserted AS (INSERT INTO tracks (slug) VALUES (${slug}) ON CONFLICT (slug) DO NOTHING RETURNING id)
      SELECT id FROM inserted UNION ALL SELECT id FROM tracks WHERE slug = ${slug}
    `
    if (rows[0] !== undefined) return rows[0].id
    const again = yield* sql<{ id: bigint }>`SELECT id FROM tracks WHERE slug = ${slug}`
    return again[0]!.id
  })
