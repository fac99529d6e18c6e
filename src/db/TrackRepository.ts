import { Context, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import type { TrackSlug } from "../liverc/LiveRcIds.ts"
import type { CatalogueTrack } from "../liverc/models/TrackCatalogue.ts"
import type { TrackDashboard } from "../liverc/models/TrackDashboard.ts"
import { type PersistenceError, withPersistenceErrors } from "./PersistenceError.ts"
import { textArray } from "./SqlArrays.ts"
import { addCounts, emptyCounts, toCounts, type UpsertCounts } from "./UpsertCounts.ts"

export type UpsertOutcome = "new" | "updated" | "unchanged"

/** Tracks as the catalogue and their dashboards describe them. */
export class TrackRepository extends Context.Service<TrackRepository, {
  /** Upserts in batches (each its own statement); a slug listed twice counts once, its last row wins. */
  readonly upsertCatalogue: (tracks: ReadonlyArray<CatalogueTrack>) => Effect.Effect<UpsertCounts, PersistenceError>
  /** Writes the dashboard's metadata as the page states it, nulls included. */
  readonly upsertDashboard: (slug: TrackSlug, dashboard: TrackDashboard) => Effect.Effect<UpsertOutcome, PersistenceError>
}>()("liverc-ingest/db/TrackRepository") {
  static readonly layer = Layer.effect(
    TrackRepository,
    Effect.gen(function*() {
      const sql = yield* SqlClient

      // `before` and the upsert read the same snapshot, so `before` holds the values prior to it.
      const upsertBatch = (batch: ReadonlyArray<CatalogueTrack>) =>
        Effect.map(
          sql<{ total: number; new: number; updated: number }>`
            WITH input AS (
              SELECT * FROM unnest(
                ${textArray(batch.map((track) => track.slug))},
                ${textArray(batch.map((track) => track.name))},
                ${textArray(batch.map((track) => track.lastActivity))}
              ) AS u(slug, name, last_activity)
            ), before AS (
              SELECT t.slug, t.name, t.last_activity FROM tracks t JOIN input USING (slug)
            ), upsert AS (
              INSERT INTO tracks (slug, name, last_activity, catalogue_seen_at)
              SELECT slug, name, last_activity, now() FROM input
              ON CONFLICT (slug) DO UPDATE SET
                name = excluded.name,
                last_activity = excluded.last_activity,
                catalogue_seen_at = excluded.catalogue_seen_at,
                updated_at = CASE WHEN (tracks.name, tracks.last_activity) IS DISTINCT FROM
                  (excluded.name, excluded.last_activity) THEN now() ELSE tracks.updated_at END
              RETURNING 1
            )
            SELECT
              (SELECT count(*) FROM upsert)::int4 AS total,
              count(*) FILTER (WHERE b.slug IS NULL)::int4 AS new,
              count(*) FILTER (
                WHERE b.slug IS NOT NULL AND (b.name, b.last_activity) IS DISTINCT FROM (i.name, i.last_activity)
              )::int4 AS updated
            FROM input i LEFT JOIN before b USING (slug)
          `,
          (rows) => toCounts(rows[0]!)
        )

      const upsertCatalogue = Effect.fn("TrackRepository.upsertCatalogue")(
        function*(tracks: ReadonlyArray<CatalogueTrack>) {
          // Sorted, so two syncs running at once lock rows in the same order.
          const unique = [...new Map(tracks.map((track) => [track.slug, track])).values()]
            .sort((a, b) => (a.slug < b.slug ? -1 : 1))
          let counts = emptyCounts
          for (let start = 0; start < unique.length; start += catalogueBatchSize) {
            counts = addCounts(counts, yield* upsertBatch(unique.slice(start, start + catalogueBatchSize)))
          }
          return counts
        },
        withPersistenceErrors("TrackRepository.upsertCatalogue")
      )

      const upsertDashboard = Effect.fn("TrackRepository.upsertDashboard")(
        function*(slug: TrackSlug, dashboard: TrackDashboard) {
          const d = dashboard
          const rows = yield* sql<{ existed: boolean; changed: boolean }>`
            WITH input AS (
              SELECT
                ${slug}::text AS slug, ${d.name}::text AS dashboard_name, ${d.address}::text AS address,
                ${d.city}::text AS city, ${d.region}::text AS region, ${d.postcode}::text AS postcode,
                ${d.country}::text AS country, ${d.phone}::text AS phone, ${d.email}::text AS email,
                ${d.website}::text AS website, ${d.facebookUrl}::text AS facebook_url, ${d.logoUrl}::text AS logo_url,
                ${d.description}::text AS description, ${d.latitude}::float8 AS latitude,
                ${d.longitude}::float8 AS longitude, ${d.stats.events}::int4 AS stat_events,
                ${d.stats.races}::int4 AS stat_races, ${d.stats.entries}::int4 AS stat_entries,
                ${d.stats.laps}::int8 AS stat_laps, ${d.stats.practiceSessions}::int4 AS stat_practice_sessions
            ), before AS (
              SELECT t.* FROM tracks t JOIN input USING (slug)
            ), upsert AS (
              INSERT INTO tracks (
                slug, name, dashboard_name, address, city, region, postcode, country, phone, email, website,
                facebook_url, logo_url, description, latitude, longitude, stat_events, stat_races, stat_entries,
                stat_laps, stat_practice_sessions, dashboard_synced_at
              )
              SELECT
                slug, dashboard_name, dashboard_name, address, city, region, postcode, country, phone, email, website,
                facebook_url, logo_url, description, latitude, longitude, stat_events, stat_races, stat_entries,
                stat_laps, stat_practice_sessions, now()
              FROM input
              ON CONFLICT (slug) DO UPDATE SET
                name = coalesce(tracks.name, excluded.dashboard_name),
                dashboard_name = excluded.dashboard_name,
                address = excluded.address,
                city = excluded.city,
                region = excluded.region,
                postcode = excluded.postcode,
                country = excluded.country,
                phone = excluded.phone,
                email = excluded.email,
                website = excluded.website,
                facebook_url = excluded.facebook_url,
                logo_url = excluded.logo_url,
                description = excluded.description,
                latitude = excluded.latitude,
                longitude = excluded.longitude,
                stat_events = excluded.stat_events,
                stat_races = excluded.stat_races,
                stat_entries = excluded.stat_entries,
                stat_laps = excluded.stat_laps,
                stat_practice_sessions = excluded.stat_practice_sessions,
                dashboard_synced_at = excluded.dashboard_synced_at,
                updated_at = now()
              RETURNING 1
            )
            SELECT
              EXISTS (SELECT 1 FROM before) AS existed,
              EXISTS (
                SELECT 1 FROM before b, input i WHERE (
                  b.dashboard_name, b.address, b.city, b.region, b.postcode, b.country, b.phone, b.email, b.website,
                  b.facebook_url, b.logo_url, b.description, b.latitude, b.longitude, b.stat_events, b.stat_races,
                  b.stat_entries, b.stat_laps, b.stat_practice_sessions
                ) IS DISTINCT FROM (
                  i.dashboard_name, i.address, i.city, i.region, i.postcode, i.country, i.phone, i.email, i.website,
                  i.facebook_url, i.logo_url, i.description, i.latitude, i.longitude, i.stat_events, i.stat_races,
                  i.stat_entries, i.stat_laps, i.stat_practice_sessions
                )
              ) AS changed,
              (SELECT count(*) FROM upsert) AS written
          `
          const row = rows[0]!
          const outcome: UpsertOutcome = !row.existed ? "new" : row.changed ? "updated" : "unchanged"
          return outcome
        },
        withPersistenceErrors("TrackRepository.upsertDashboard")
      )

      return TrackRepository.of({ upsertCatalogue, upsertDashboard })
    })
  )
}

const catalogueBatchSize = 500
