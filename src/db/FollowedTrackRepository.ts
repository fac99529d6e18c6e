import { Context, Effect, Layer } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import type { IngestDepth, TrackSlug } from "../liverc/LiveRcIds.ts"
import { type PersistenceError, withPersistenceErrors } from "./PersistenceError.ts"

/** A followed track, with the catalogue's name when a track sync has stored it. */
export interface FollowedTrack {
  readonly trackSlug: string
  readonly trackName: string | null
  readonly followedAt: Date
}

export interface FollowOutcome {
  readonly track: FollowedTrack
  /** False when the track was followed already (the call changed nothing). */
  readonly changed: boolean
}

/** Which recent events an `ingest_recent` job picks; see IngestRecentCommand for the rules. */
export interface RecentEventQuery {
  /** The run's calendar day (UTC), `YYYY-MM-DD`: the window's last day. */
  readonly runDate: string
  readonly now: Date
  readonly windowDays: number
  readonly minAgeHours: number
  readonly depth: IngestDepth
  readonly maxEvents: number
  readonly maxPerTrack: number
}

export interface RecentEvent {
  readonly eventId: string
  readonly trackSlug: string
  readonly date: string
  readonly storedDepth: string
}

export class FollowedTrackRepository extends Context.Service<FollowedTrackRepository, {
  readonly follow: (slug: TrackSlug) => Effect.Effect<FollowOutcome, PersistenceError>
  /** True when the track was followed. */
  readonly unfollow: (slug: TrackSlug) => Effect.Effect<boolean, PersistenceError>
  readonly list: Effect.Effect<ReadonlyArray<FollowedTrack>, PersistenceError>
  /** Newest first; events stored at `depth` (or deeper) are never picked. */
  readonly recentEvents: (query: RecentEventQuery) => Effect.Effect<ReadonlyArray<RecentEvent>, PersistenceError>
}>()("liverc-ingest/db/FollowedTrackRepository") {
  static readonly layer = Layer.effect(
    FollowedTrackRepository,
    Effect.gen(function*() {
      const sql = yield* SqlClient

      const toTrack = (row: { track_slug: string; track_name: string | null; followed_at: Date }): FollowedTrack => ({
        trackSlug: row.track_slug,
        trackName: row.track_name,
        followedAt: row.followed_at
      })

      const follow = (slug: TrackSlug) =>
        sql<{ track_slug: string; track_name: string | null; followed_at: Date; inserted: boolean }>`
          WITH inserted AS (
            INSERT INTO followed_tracks (track_slug) VALUES (${slug})
            ON CONFLICT (track_slug) DO NOTHING
            RETURNING track_slug, followed_at
          ), current AS (
            SELECT track_slug, followed_at, true AS inserted FROM inserted
            UNION ALL
            SELECT track_slug, followed_at, false FROM followed_tracks WHERE track_slug = ${slug}
          )
          SELECT c.track_slug, t.name AS track_name, c.followed_at, c.inserted
          FROM current c LEFT JOIN tracks t ON t.slug = c.track_slug
          ORDER BY c.inserted DESC LIMIT 1
        `.pipe(
          Effect.map((rows) => ({ track: toTrack(rows[0]!), changed: rows[0]!.inserted })),
          withPersistenceErrors("FollowedTrackRepository.follow")
        )

      const unfollow = (slug: TrackSlug) =>
        sql<{ track_slug: string }>`DELETE FROM followed_tracks WHERE track_slug = ${slug} RETURNING track_slug`.pipe(
          Effect.map((rows) => rows.length > 0),
          withPersistenceErrors("FollowedTrackRepository.unfollow")
        )

      const list = sql<{ track_slug: string; track_name: string | null; followed_at: Date }>`
        SELECT f.track_slug, t.name AS track_name, f.followed_at
        FROM followed_tracks f LEFT JOIN tracks t ON t.slug = f.track_slug
        ORDER BY f.track_slug
      `.pipe(
        Effect.map((rows) => rows.map(toTrack)),
        withPersistenceErrors("FollowedTrackRepository.list")
      )

      // An event overlaps the window when any of its days (date .. date_end) falls inside it; its
      // age counts from UTC midnight of its first day, as the seed's auto-ingest did.
      const recentEvents = (query: RecentEventQuery) =>
        sql<{ source_event_id: string; track_slug: string; date: string; ingest_depth: string }>`
          WITH candidates AS (
            SELECT
              e.source_event_id, t.slug AS track_slug, e.date, e.ingest_depth,
              row_number() OVER (
                PARTITION BY t.id ORDER BY e.date DESC, e.starts_at DESC NULLS LAST, e.source_event_id DESC
              ) AS rank_in_track
            FROM events e
            JOIN tracks t ON t.id = e.track_id
            JOIN followed_tracks f ON f.track_slug = t.slug
            WHERE e.date IS NOT NULL
              AND e.date <= ${query.runDate}::date
              AND coalesce(e.date_end, e.date) >= ${query.runDate}::date - (${query.windowDays}::int - 1)
              AND e.date::timestamp + make_interval(hours => ${query.minAgeHours}::int)
                <= (${query.now.toISOString()}::timestamptz AT TIME ZONE 'UTC')
              AND e.ingest_depth <> 'laps_full'
              AND NOT (${query.depth}::text = 'summary' AND e.ingest_depth = 'summary')
          )
          SELECT source_event_id, track_slug, date::text AS date, ingest_depth
          FROM candidates
          WHERE rank_in_track <= ${query.maxPerTrack}
          ORDER BY date DESC, source_event_id DESC
          LIMIT ${query.maxEvents}
        `.pipe(
          Effect.map((rows) =>
            rows.map((row) => ({
              eventId: row.source_event_id,
              trackSlug: row.track_slug,
              date: row.date,
              storedDepth: row.ingest_depth
            }))
          ),
          withPersistenceErrors("FollowedTrackRepository.recentEvents")
        )

      return FollowedTrackRepository.of({ follow, unfollow, list, recentEvents })
    })
  )
}
