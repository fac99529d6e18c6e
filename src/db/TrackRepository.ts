import { Context, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import type { TrackSlug } from "../liverc/LiveRcIds.ts"
import type { CatalogueTrack } from "../liverc/models/TrackCatalogue.ts"
import type { TrackDashboard } from "../liverc/models/TrackDashboard.ts"
import { type PersistenceError, withPersistenceErrors } from "./PersistenceError.ts"
import { float8Array, int4Array, int8Array, textArray } from "./SqlArrays.ts"
import { addCounts, emptyCounts, toCounts, type UpsertCounts } from "./UpsertCounts.ts"

export type UpsertOutcome = "new" | "updated" | "unchanged"

/** What a track sync learnt from a track's dashboard. */
export type DashboardSync =
  | {
    readonly _tag: "Fetched"
    readonly dashboard: TrackDashboard
    /** The dashboard page's URL and validators, stored with the data they validate. */
    readonly page: { readonly url: string; readonly etag: string | null; readonly lastModified: string | null }
  }
  /** LiveRC answered 304: the stored metadata is current. */
  | { readonly _tag: "NotModified" }
  /** No usable dashboard (404, unparseable, retries exhausted): the stored metadata stays as it was. */
  | { readonly _tag: "Failed" }

export interface SyncedTrack {
  readonly track: CatalogueTrack
  readonly dashboard: DashboardSync
}

export interface Deactivation {
  /** Tracks listed by an earlier catalogue, still active, and missing from this one. */
  readonly unlisted: number
  readonly deactivated: number
  /** True when `unlisted` was above the allowed fraction and nothing was deactivated. */
  readonly skipped: boolean
}

/** Tracks as the catalogue and their dashboards describe them. */
export class TrackRepository extends Context.Service<TrackRepository, {
  /** Upserts in batches (each its own statement); a slug listed twice counts once, its last row wins. */
  readonly upsertCatalogue: (tracks: ReadonlyArray<CatalogueTrack>) => Effect.Effect<UpsertCounts, PersistenceError>
  /** Writes the dashboard's metadata as the page states it, nulls included. */
  readonly upsertDashboard: (slug: TrackSlug, dashboard: TrackDashboard) => Effect.Effect<UpsertOutcome, PersistenceError>
  /**
   * One batch of a track sync, in one transaction: catalogue fields always, metadata only from a
   * fetched dashboard, the track (re)activated, the dashboard's validators stored. Counts cover the
   * tracks whose dashboard did not fail; a track is `updated` when any stored value changed.
   */
  readonly upsertSyncedTracks: (tracks: ReadonlyArray<SyncedTrack>) => Effect.Effect<UpsertCounts, PersistenceError>
  /**
   * Marks inactive the tracks an earlier catalogue listed and `listed` does not, unless they are
   * more than `maxFraction` of the active listed tracks: a catalogue that suddenly lost that many is
   * more likely a broken page than a mass closure.
   */
  readonly deactivateUnlisted: (
    listed: ReadonlyArray<TrackSlug>,
    maxFraction: number
  ) => Effect.Effect<Deactivation, PersistenceError>
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

      const upsertSyncedBatch = (batch: ReadonlyArray<SyncedTrack>) => {
        const fetched = (entry: SyncedTrack) => entry.dashboard._tag === "Fetched" ? entry.dashboard.dashboard : null
        const text = (pick: (d: TrackDashboard) => string | null) =>
          textArray(batch.map((entry) => {
            const d = fetched(entry)
            return d === null ? null : pick(d)
          }))
        const int4 = (pick: (d: TrackDashboard) => number | null) =>
          int4Array(batch.map((entry) => {
            const d = fetched(entry)
            return d === null ? null : pick(d)
          }))
        const float8 = (pick: (d: TrackDashboard) => number | null) =>
          float8Array(batch.map((entry) => {
            const d = fetched(entry)
            return d === null ? null : pick(d)
          }))
        const laps = int8Array(batch.map((entry) => {
          const value = fetched(entry)?.stats.laps ?? null
          return value === null ? null : BigInt(value)
        }))
        // A fetched dashboard is the one whose `dashboard_synced_at` is set in `input`: ON CONFLICT
        // only sees the proposed row (`excluded`), so that column carries the flag into the update.
        // `before` and the upsert read the same snapshot, so `before` holds the values prior to it.
        return Effect.map(
          sql<{ total: number; new: number; updated: number }>`
            WITH input AS (
              SELECT
                u.slug, u.name, u.last_activity, u.state,
                CASE WHEN u.state = 'Fetched' THEN now() END AS dashboard_synced_at,
                u.dashboard_name, u.address, u.city, u.region, u.postcode, u.country, u.phone, u.email, u.website,
                u.facebook_url, u.logo_url, u.description, u.latitude, u.longitude, u.stat_events, u.stat_races,
                u.stat_entries, u.stat_laps, u.stat_practice_sessions
              FROM unnest(
                ${textArray(batch.map((entry) => entry.track.slug))},
                ${textArray(batch.map((entry) => entry.track.name))},
                ${textArray(batch.map((entry) => entry.track.lastActivity))},
                ${textArray(batch.map((entry) => entry.dashboard._tag))},
                ${text((d) => d.name)}, ${text((d) => d.address)}, ${text((d) => d.city)}, ${text((d) => d.region)},
                ${text((d) => d.postcode)}, ${text((d) => d.country)}, ${text((d) => d.phone)}, ${text((d) => d.email)},
                ${text((d) => d.website)}, ${text((d) => d.facebookUrl)}, ${text((d) => d.logoUrl)},
                ${text((d) => d.description)}, ${float8((d) => d.latitude)}, ${float8((d) => d.longitude)},
                ${int4((d) => d.stats.events)}, ${int4((d) => d.stats.races)}, ${int4((d) => d.stats.entries)},
                ${laps}, ${int4((d) => d.stats.practiceSessions)}
              ) AS u(
                slug, name, last_activity, state, dashboard_name, address, city, region, postcode, country, phone,
                email, website, facebook_url, logo_url, description, latitude, longitude, stat_events, stat_races,
                stat_entries, stat_laps, stat_practice_sessions
              )
            ), before AS (
              SELECT t.* FROM tracks t JOIN input USING (slug)
            ), upsert AS (
              INSERT INTO tracks (
                slug, name, last_activity, catalogue_seen_at, active, deactivated_at, dashboard_name, address, city,
                region, postcode, country, phone, email, website, facebook_url, logo_url, description, latitude,
                longitude, stat_events, stat_races, stat_entries, stat_laps, stat_practice_sessions, dashboard_synced_at
              )
              SELECT
                slug, name, last_activity, now(), true, NULL, dashboard_name, address, city, region, postcode, country,
                phone, email, website, facebook_url, logo_url, description, latitude, longitude, stat_events,
                stat_races, stat_entries, stat_laps, stat_practice_sessions, dashboard_synced_at
              FROM input
              ON CONFLICT (slug) DO UPDATE SET
                name = excluded.name,
                last_activity = excluded.last_activity,
                catalogue_seen_at = excluded.catalogue_seen_at,
                active = true,
                deactivated_at = NULL,
                dashboard_name = CASE WHEN excluded.dashboard_synced_at IS NULL THEN tracks.dashboard_name ELSE excluded.dashboard_name END,
                address = CASE WHEN excluded.dashboard_synced_at IS NULL THEN tracks.address ELSE excluded.address END,
                city = CASE WHEN excluded.dashboard_synced_at IS NULL THEN tracks.city ELSE excluded.city END,
                region = CASE WHEN excluded.dashboard_synced_at IS NULL THEN tracks.region ELSE excluded.region END,
                postcode = CASE WHEN excluded.dashboard_synced_at IS NULL THEN tracks.postcode ELSE excluded.postcode END,
                country = CASE WHEN excluded.dashboard_synced_at IS NULL THEN tracks.country ELSE excluded.country END,
                phone = CASE WHEN excluded.dashboard_synced_at IS NULL THEN tracks.phone ELSE excluded.phone END,
                email = CASE WHEN excluded.dashboard_synced_at IS NULL THEN tracks.email ELSE excluded.email END,
                website = CASE WHEN excluded.dashboard_synced_at IS NULL THEN tracks.website ELSE excluded.website END,
                facebook_url = CASE WHEN excluded.dashboard_synced_at IS NULL THEN tracks.facebook_url ELSE excluded.facebook_url END,
                logo_url = CASE WHEN excluded.dashboard_synced_at IS NULL THEN tracks.logo_url ELSE excluded.logo_url END,
                description = CASE WHEN excluded.dashboard_synced_at IS NULL THEN tracks.description ELSE excluded.description END,
                latitude = CASE WHEN excluded.dashboard_synced_at IS NULL THEN tracks.latitude ELSE excluded.latitude END,
                longitude = CASE WHEN excluded.dashboard_synced_at IS NULL THEN tracks.longitude ELSE excluded.longitude END,
                stat_events = CASE WHEN excluded.dashboard_synced_at IS NULL THEN tracks.stat_events ELSE excluded.stat_events END,
                stat_races = CASE WHEN excluded.dashboard_synced_at IS NULL THEN tracks.stat_races ELSE excluded.stat_races END,
                stat_entries = CASE WHEN excluded.dashboard_synced_at IS NULL THEN tracks.stat_entries ELSE excluded.stat_entries END,
                stat_laps = CASE WHEN excluded.dashboard_synced_at IS NULL THEN tracks.stat_laps ELSE excluded.stat_laps END,
                stat_practice_sessions = CASE WHEN excluded.dashboard_synced_at IS NULL
                  THEN tracks.stat_practice_sessions ELSE excluded.stat_practice_sessions END,
                dashboard_synced_at = coalesce(excluded.dashboard_synced_at, tracks.dashboard_synced_at),
                updated_at = CASE WHEN (tracks.name, tracks.last_activity, tracks.active)
                    IS DISTINCT FROM (excluded.name, excluded.last_activity, true)
                  OR (excluded.dashboard_synced_at IS NOT NULL AND (
                    tracks.dashboard_name, tracks.address, tracks.city, tracks.region, tracks.postcode, tracks.country,
                    tracks.phone, tracks.email, tracks.website, tracks.facebook_url, tracks.logo_url, tracks.description,
                    tracks.latitude, tracks.longitude, tracks.stat_events, tracks.stat_races, tracks.stat_entries,
                    tracks.stat_laps, tracks.stat_practice_sessions
                  ) IS DISTINCT FROM (
                    excluded.dashboard_name, excluded.address, excluded.city, excluded.region, excluded.postcode,
                    excluded.country, excluded.phone, excluded.email, excluded.website, excluded.facebook_url,
                    excluded.logo_url, excluded.description, excluded.latitude, excluded.longitude, excluded.stat_events,
                    excluded.stat_races, excluded.stat_entries, excluded.stat_laps, excluded.stat_practice_sessions
                  ))
                  THEN now() ELSE tracks.updated_at END
              RETURNING 1
            )
            SELECT
              count(*) FILTER (WHERE i.state <> 'Failed')::int4 AS total,
              count(*) FILTER (WHERE i.state <> 'Failed' AND b.slug IS NULL)::int4 AS new,
              count(*) FILTER (
                WHERE i.state <> 'Failed' AND b.slug IS NOT NULL AND (
                  (b.name, b.last_activity, b.active) IS DISTINCT FROM (i.name, i.last_activity, true)
                  OR (i.state = 'Fetched' AND (
                    b.dashboard_name, b.address, b.city, b.region, b.postcode, b.country, b.phone, b.email, b.website,
                    b.facebook_url, b.logo_url, b.description, b.latitude, b.longitude, b.stat_events, b.stat_races,
                    b.stat_entries, b.stat_laps, b.stat_practice_sessions
                  ) IS DISTINCT FROM (
                    i.dashboard_name, i.address, i.city, i.region, i.postcode, i.country, i.phone, i.email, i.website,
                    i.facebook_url, i.logo_url, i.description, i.latitude, i.longitude, i.stat_events, i.stat_races,
                    i.stat_entries, i.stat_laps, i.stat_practice_sessions
                  ))
                )
              )::int4 AS updated,
              (SELECT count(*) FROM upsert)::int4 AS written
            FROM input i LEFT JOIN before b USING (slug)
          `,
          (rows) => toCounts(rows[0]!)
        )
      }

      const storeDashboardValidators = (batch: ReadonlyArray<SyncedTrack>) => {
        const pages = batch.flatMap((entry) =>
          entry.dashboard._tag === "Fetched" &&
            (entry.dashboard.page.etag !== null || entry.dashboard.page.lastModified !== null)
            ? [entry.dashboard.page]
            : []
        )
        if (pages.length === 0) return Effect.void
        return sql`
          INSERT INTO page_validators (url, etag, last_modified, depth, updated_at)
          SELECT url, etag, last_modified, 'summary', now()
          FROM unnest(
            ${textArray(pages.map((page) => page.url))},
            ${textArray(pages.map((page) => page.etag))},
            ${textArray(pages.map((page) => page.lastModified))}
          ) AS u(url, etag, last_modified)
          ON CONFLICT (url) DO UPDATE SET
            etag = excluded.etag,
            last_modified = excluded.last_modified,
            depth = excluded.depth,
            updated_at = excluded.updated_at
        `.pipe(Effect.asVoid)
      }

      const upsertSyncedTracks = Effect.fn("TrackRepository.upsertSyncedTracks")(
        function*(tracks: ReadonlyArray<SyncedTrack>) {
          // Sorted, so concurrent writers lock rows in the same order; a slug twice keeps its last entry.
          const unique = [...new Map(tracks.map((entry) => [entry.track.slug, entry])).values()]
            .sort((a, b) => (a.track.slug < b.track.slug ? -1 : 1))
          if (unique.length === 0) return emptyCounts
          return yield* sql.withTransaction(
            Effect.gen(function*() {
              const counts = yield* upsertSyncedBatch(unique)
              yield* storeDashboardValidators(unique)
              return counts
            })
          )
        },
        withPersistenceErrors("TrackRepository.upsertSyncedTracks")
      )

      const deactivateUnlisted = Effect.fn("TrackRepository.deactivateUnlisted")(
        function*(listed: ReadonlyArray<TrackSlug>, maxFraction: number) {
          const rows = yield* sql<{ unlisted: number; deactivated: number; skipped: boolean }>`
            WITH previously_listed AS (
              SELECT id, slug FROM tracks WHERE active AND catalogue_seen_at IS NOT NULL
            ), unlisted AS (
              -- An anti-join, not NOT (slug = ANY (...)): that scans the array once per row.
              SELECT p.id FROM previously_listed p
              WHERE NOT EXISTS (SELECT 1 FROM unnest(${textArray(listed)}) AS l(slug) WHERE l.slug = p.slug)
            ), allowed AS (
              SELECT (SELECT count(*) FROM unlisted) <= ceil(${maxFraction}::float8 * (SELECT count(*) FROM previously_listed))
                AS ok
            ), deactivated AS (
              UPDATE tracks SET active = false, deactivated_at = now(), updated_at = now()
              WHERE id IN (SELECT id FROM unlisted) AND (SELECT ok FROM allowed)
              RETURNING 1
            )
            SELECT
              (SELECT count(*) FROM unlisted)::int4 AS unlisted,
              (SELECT count(*) FROM deactivated)::int4 AS deactivated,
              NOT (SELECT ok FROM allowed) AS skipped
          `
          const row = rows[0]!
          return { unlisted: row.unlisted, deactivated: row.deactivated, skipped: row.skipped } satisfies Deactivation
        },
        withPersistenceErrors("TrackRepository.deactivateUnlisted")
      )

      return TrackRepository.of({ upsertCatalogue, upsertDashboard, upsertSyncedTracks, deactivateUnlisted })
    })
  )
}

const catalogueBatchSize = 500
