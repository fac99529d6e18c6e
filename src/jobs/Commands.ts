import { Schema } from "effect"
import { IngestDepth, LiveRcId, PracticeDate, TrackSlug } from "../liverc/LiveRcIds.ts"

/**
 * The versioned command protocol on the INGEST work stream. Gateways, the CLI and any other
 * service publish these JSON documents; workers decode them with the same schemas. A field added
 * later must be optional (old publishers stay valid); anything incompatible is `v: 2`.
 */

export const JobId = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^[A-Za-z0-9_-]{8,64}$/, {
    message: "a job id is 8-64 characters of A-Z, a-z, 0-9, '_' and '-'"
  })),
  Schema.brand("JobId")
)
export type JobId = typeof JobId.Type

const Base = {
  v: Schema.Literal(1),
  job_id: JobId,
  /** ISO-8601 time the command was first requested; informative only. */
  requested_at: Schema.optionalKey(Schema.String)
}

/** Ingest one event. Without `track_slug` the worker looks the event's track up in Postgres. */
export const IngestEventCommand = Schema.Struct({
  ...Base,
  kind: Schema.Literal("ingest_event"),
  event_id: LiveRcId,
  track_slug: Schema.optionalKey(TrackSlug),
  depth: IngestDepth,
  /** Re-fetch every page (no conditional requests, no skipping what is stored and unchanged). */
  force: Schema.optionalKey(Schema.Boolean)
})
export type IngestEventCommand = typeof IngestEventCommand.Type

export const SyncTracksCommand = Schema.Struct({
  ...Base,
  kind: Schema.Literal("sync_tracks")
})
export type SyncTracksCommand = typeof SyncTracksCommand.Type

export const SyncEventsCommand = Schema.Struct({
  ...Base,
  kind: Schema.Literal("sync_events"),
  track_slug: TrackSlug
})
export type SyncEventsCommand = typeof SyncEventsCommand.Type

export const DiscoverPracticeCommand = Schema.Struct({
  ...Base,
  kind: Schema.Literal("discover_practice"),
  track_slug: TrackSlug,
  from: PracticeDate,
  to: PracticeDate,
  /** `summary` (absent): days and their sessions; `laps_full`: also every session's laps. */
  depth: Schema.optionalKey(IngestDepth)
})
export type DiscoverPracticeCommand = typeof DiscoverPracticeCommand.Type

/** Refresh the event lists of every followed track (the seed's 00:30 cron job). */
export const SyncFollowedEventsCommand = Schema.Struct({
  ...Base,
  kind: Schema.Literal("sync_followed_events")
})
export type SyncFollowedEventsCommand = typeof SyncFollowedEventsCommand.Type

const boundedInt = (min: number, max: number) =>
  Schema.Int.pipe(Schema.check(Schema.isBetween({ minimum: min, maximum: max })))

/**
 * Ingest the followed tracks' recent events that are not yet stored at `depth` (the seed's 02:00
 * cron job): events whose days overlap the last `window_days` calendar days (UTC) and whose first
 * day began at least `min_age_hours` ago, newest first, at most `max_per_track` per track and
 * `max_events` in all.
 */
export const IngestRecentCommand = Schema.Struct({
  ...Base,
  kind: Schema.Literal("ingest_recent"),
  window_days: boundedInt(1, 90),
  min_age_hours: boundedInt(0, 168),
  depth: IngestDepth,
  max_events: boundedInt(1, 500),
  max_per_track: boundedInt(1, 100),
  /** Re-fetch every page of each picked event instead of only what changed. */
  force: Schema.optionalKey(Schema.Boolean)
})
export type IngestRecentCommand = typeof IngestRecentCommand.Type

export const Command = Schema.Union([
  IngestEventCommand,
  SyncTracksCommand,
  SyncEventsCommand,
  DiscoverPracticeCommand,
  SyncFollowedEventsCommand,
  IngestRecentCommand
])
export type Command = typeof Command.Type
export type JobKind = Command["kind"]

export const JobKind = Schema.Literals([
  "ingest_event",
  "sync_tracks",
  "sync_events",
  "discover_practice",
  "sync_followed_events",
  "ingest_recent"
])

/**
 * One subject per dedupe key. The INGEST stream keeps at most one message per subject and
 * rejects a second (discard new per subject), so while a job for a key is queued or running no
 * second job for that key can exist, however long it waits. Event ids are global on LiveRC, so an
 * ingest by event id and one by track + event id share a key.
 */
export const commandSubject = (command: Command): string => {
  switch (command.kind) {
    case "ingest_event":
      return `ingest.event.${command.event_id}`
    case "sync_tracks":
      return "ingest.tracks"
    case "sync_events":
      return `ingest.events.${command.track_slug}`
    case "discover_practice":
      return `ingest.practice.${command.track_slug}.${command.from}.${command.to}`
    case "sync_followed_events":
      return "ingest.followed-events"
    case "ingest_recent":
      return "ingest.recent"
  }
}

export const decodeCommandJson = Schema.decodeUnknownEffect(Schema.fromJsonString(Command))
