import { Schema } from "effect"
import {
  HttpApi,
  HttpApiEndpoint,
  HttpApiGroup,
  HttpApiMiddleware,
  HttpApiSchema,
  HttpApiSecurity,
  OpenApi
} from "effect/http-api"
import { JobId, JobKind } from "../jobs/Commands.ts"
import { StoredEvent } from "../db/EventReader.ts"
import { JobStatus } from "../jobs/JobStatus.ts"
import { IngestDepth, LiveRcId, PracticeDate, TrackSlug } from "../liverc/LiveRcIds.ts"
import {
  ConflictWire,
  InternalErrorWire,
  InvalidRequestWire,
  MisdirectedRequestWire,
  NotFoundWire,
  PayloadTooLargeWire,
  ServiceUnavailableWire,
  UnauthorizedWire,
  UnsupportedMediaTypeWire
} from "./ApiErrors.ts"
import { Ok } from "./Envelope.ts"

/**
 * The gateway's HTTP contract: routes, request and response schemas, and the middlewares each
 * route runs through. Handlers live in the *Endpoints.ts files beside it (IngestEndpoints, JobEndpoints,
 * AdminEndpoints, SystemEndpoints); OpenAPI is generated from this.
 */

/** Bodies are a few dozen bytes; anything near this is not a client of ours. */
export const MAX_BODY_BYTES = 16 * 1024

// ---------------------------------------------------------------------------------------------
// Middlewares (implemented in GatewayMiddleware.ts)
// ---------------------------------------------------------------------------------------------

/** GATEWAY_TOKEN as a bearer token, on every route that changes something and on admin reads. */
export class BearerAuth extends HttpApiMiddleware.Service<BearerAuth>()("liverc-ingest/http/BearerAuth", {
  security: { bearer: HttpApiSecurity.bearer },
  error: UnauthorizedWire
}) {}

/**
 * Every route that changes something (every POST, PUT and DELETE, with a body or not):
 * `Content-Type: application/json` and nothing else (415), a body of at most MAX_BODY_BYTES (413),
 * both refused before the body is read. A web page cannot send application/json to another origin
 * without a CORS preflight, so this is what keeps pages a developer opens off the queue and the
 * kill switch when no GATEWAY_TOKEN is set.
 */
export class JsonRequest extends HttpApiMiddleware.Service<JsonRequest>()("liverc-ingest/http/JsonRequest", {
  error: [PayloadTooLargeWire, UnsupportedMediaTypeWire]
}) {}

/**
 * Every route: the Host header must name a host this gateway answers for (GATEWAY_ALLOWED_HOSTS,
 * 421 otherwise). The edge middleware checks it before any route is matched (so /docs and unknown
 * routes too); this declares it in the contract and checks it again.
 */
export class AllowedHost extends HttpApiMiddleware.Service<AllowedHost>()("liverc-ingest/http/AllowedHost", {
  error: MisdirectedRequestWire
}) {}

/** Turns a parameter or body that does not decode into VALIDATION_ERROR naming the field. */
export class RequestValidation extends HttpApiMiddleware.Service<RequestValidation>()(
  "liverc-ingest/http/RequestValidation",
  { error: [InvalidRequestWire, InternalErrorWire] }
) {}

// ---------------------------------------------------------------------------------------------
// Payloads and answers
// ---------------------------------------------------------------------------------------------

const Depth = IngestDepth.annotate({
  description: "`summary`: event, races and results; `laps_full` (default): also every lap"
})

/**
 * The optional body of `POST /api/v1/events/{eventId}/ingest`. As two payload schemas, so that
 * HttpApi reads an empty body as the `null` one.
 */
const Force = Schema.Boolean.annotate({
  description: "`true`: fetch every page of the event again, unconditionally; without it only what changed is fetched"
})

export const IngestOptions = [
  Schema.Struct({ depth: Schema.optionalKey(Depth), force: Schema.optionalKey(Force) }),
  Schema.Null
] as const

export const TrackEventIngest = Schema.Struct({
  track_slug: TrackSlug,
  source_event_id: LiveRcId,
  depth: Schema.optionalKey(Depth),
  force: Schema.optionalKey(Force)
})

export const PracticeRange = Schema.Struct({
  from: PracticeDate,
  to: PracticeDate,
  depth: Schema.optionalKey(IngestDepth.annotate({
    description: "`summary` (default): days and their sessions; `laps_full`: also every session's laps"
  }))
})

/**
 * The job document the UI polls, as stored; `deduplicated` says the live job of the same key was
 * returned, `upgraded` that it was raised to do what this request asks for more (a deeper depth,
 * force).
 */
export const EnqueuedJob = Schema.Struct({ ...JobStatus.fields, deduplicated: Schema.Boolean, upgraded: Schema.Boolean })

export const KillSwitchView = Schema.Struct({
  /** True while no LiveRC request starts anywhere. */
  paused: Schema.Boolean,
  /** The switch's value as written (`on`, `off`, or what an operator put), null if never set. */
  value: Schema.NullOr(Schema.String),
  changed_at: Schema.NullOr(Schema.String),
  revision: Schema.Int
})

export const Health = Schema.Struct({ status: Schema.Literal("ok") })

export const Readiness = Schema.Struct({ nats: Schema.Literal("ok"), postgres: Schema.Literal("ok") })

const Accepted = Ok(EnqueuedJob).pipe(HttpApiSchema.status(202))

/**
 * A schedule to create: the command's fields as the enqueue routes take them, and exactly one of
 * `every`, `cron`, `at`. Values are checked by the same rules as a job's (JobCommands) and the
 * schedule's (ScheduleSpec), so a 400 names the field either way.
 */
export const ScheduleCreate = Schema.Struct({
  kind: JobKind,
  track_slug: Schema.optionalKey(Schema.String),
  source_event_id: Schema.optionalKey(Schema.String),
  depth: Schema.optionalKey(Schema.String),
  from: Schema.optionalKey(Schema.String),
  to: Schema.optionalKey(Schema.String),
  window_days: Schema.optionalKey(Schema.Int),
  min_age_hours: Schema.optionalKey(Schema.Int),
  max_events: Schema.optionalKey(Schema.Int),
  max_per_track: Schema.optionalKey(Schema.Int),
  force: Schema.optionalKey(Schema.Boolean),
  every: Schema.optionalKey(Schema.String.annotate({
    description: "an interval such as 30s, 2m, 1h30m or 1d; at least SCHEDULE_MIN_INTERVAL"
  })),
  cron: Schema.optionalKey(Schema.String.annotate({
    description: "5 fields (minute first) or 6 (second first), or @hourly, @daily, ...; UTC unless time_zone"
  })),
  at: Schema.optionalKey(Schema.String.annotate({ description: "once, at this RFC 3339 time" })),
  until: Schema.optionalKey(Schema.String.annotate({ description: "RFC 3339; the schedule stops by itself then" })),
  time_zone: Schema.optionalKey(Schema.String.annotate({ description: "IANA time zone of a cron schedule" }))
})

export const ScheduleView = Schema.Struct({
  schedule_id: Schema.String,
  kind: Schema.String,
  /** `every 2m`, `cron 0 0 2 * * *`, `at <time>`. */
  spec: Schema.String,
  /** The Nats-Schedule header as the broker holds it. */
  nats_schedule: Schema.String,
  time_zone: Schema.NullOr(Schema.String),
  next_run: Schema.NullOr(Schema.String),
  until: Schema.NullOr(Schema.String),
  command: Schema.Record(Schema.String, Schema.Unknown),
  created_at: Schema.String
})

export const ScheduleDeleted = Schema.Struct({ schedule_id: Schema.String, deleted: Schema.Literal(true) })

export const FollowedTrackView = Schema.Struct({
  track_slug: Schema.String,
  track_name: Schema.NullOr(Schema.String),
  followed: Schema.Boolean,
  followed_at: Schema.NullOr(Schema.String),
  /** False when the track already was (or was not) followed and nothing changed. */
  changed: Schema.Boolean
})

// ---------------------------------------------------------------------------------------------
// Groups
// ---------------------------------------------------------------------------------------------

export class IngestGroup extends HttpApiGroup.make("ingest")
  .add(
    HttpApiEndpoint.post("ingestStoredEvent", "/api/v1/events/:eventId/ingest", {
      params: { eventId: LiveRcId },
      payload: IngestOptions,
      success: Accepted,
      error: [NotFoundWire, ServiceUnavailableWire]
    }).annotateMerge(OpenApi.annotations({
      summary: "Ingest an event already stored with its track",
      description: "The event must be known (from an events sync or an earlier ingest). For an event that is " +
        "not stored yet the answer is 404 EVENT_NOT_STORED: use POST /api/v1/events/ingest with the track slug."
    })).middleware(JsonRequest),
    HttpApiEndpoint.post("ingestTrackEvent", "/api/v1/events/ingest", {
      payload: TrackEventIngest,
      success: Accepted,
      error: ServiceUnavailableWire
    }).annotateMerge(OpenApi.annotations({ summary: "Ingest an event by track slug and LiveRC event id" }))
      .middleware(JsonRequest),
    HttpApiEndpoint.post("syncTracks", "/api/v1/tracks/sync", {
      success: Accepted,
      error: ServiceUnavailableWire
    }).annotateMerge(OpenApi.annotations({ summary: "Sync the track catalogue and every track's dashboard" }))
      .middleware(JsonRequest),
    HttpApiEndpoint.post("syncEvents", "/api/v1/tracks/:slug/events/sync", {
      params: { slug: TrackSlug },
      success: Accepted,
      error: ServiceUnavailableWire
    }).annotateMerge(OpenApi.annotations({ summary: "Sync a track's events list" })).middleware(JsonRequest),
    HttpApiEndpoint.post("discoverPractice", "/api/v1/tracks/:slug/practice/discover", {
      params: { slug: TrackSlug },
      payload: PracticeRange,
      success: Accepted,
      error: ServiceUnavailableWire
    }).annotateMerge(OpenApi.annotations({
      summary: "Discover a track's practice days in a date range",
      description: "`from` <= `to`, at most PRACTICE_DISCOVERY_MAX_DAYS days (366 by default)."
    })).middleware(JsonRequest)
  )
  .middleware(BearerAuth)
  .annotateMerge(OpenApi.annotations({
    title: "Jobs",
    description: "Enqueue work. Every answer is 202 with the job; an identical queued or running job is returned " +
      "instead of a new one (`deduplicated: true`). A request for more than that job will do (`depth: laps_full` " +
      "over `summary`, `force: true`) raises the live job instead (`upgraded: true`, its `params` show what it " +
      "will do): it does all of it before it completes."
  }))
{}

export class EventsGroup extends HttpApiGroup.make("events")
  .add(
    HttpApiEndpoint.get("getEvent", "/api/v1/events/:eventId", {
      params: { eventId: LiveRcId },
      success: Ok(StoredEvent),
      error: [NotFoundWire, ServiceUnavailableWire]
    }).annotateMerge(OpenApi.annotations({
      summary: "A stored event: its races and its standings",
      description: "The event page's fields, `links` (the standings pages it links), `races` (a summary each, in " +
        "page order) and the stored standings pages, each as `liverc-ingest parse` prints it: `multiMainResults`, " +
        "`rankings` (qualifying round rankings), `points` (qualifying points) and `overallRanking` (the final " +
        "ranking's class tables); a section is an empty list when the event has none stored. 404 EVENT_NOT_STORED " +
        "for an event never ingested or synced."
    }))
  )
  .annotateMerge(OpenApi.annotations({ title: "Events", description: "What is stored, read from Postgres." }))
{}

export class JobsGroup extends HttpApiGroup.make("jobs")
  .add(
    HttpApiEndpoint.get("getJob", "/api/v1/ingestion/jobs/:jobId", {
      params: { jobId: JobId },
      success: Ok(JobStatus),
      error: [NotFoundWire, ServiceUnavailableWire]
    }).annotateMerge(OpenApi.annotations({ summary: "A job's status (poll it)" })),
    HttpApiEndpoint.delete("cancelJob", "/api/v1/ingestion/jobs/:jobId", {
      params: { jobId: JobId },
      success: Ok(JobStatus),
      error: [NotFoundWire, ConflictWire, ServiceUnavailableWire]
    }).annotateMerge(OpenApi.annotations({
      summary: "Cancel a job",
      description: "A queued job never runs; a running one is interrupted and commits nothing partial. " +
        "409 when it already finished."
    })).middleware(JsonRequest).middleware(BearerAuth)
  )
  .annotateMerge(OpenApi.annotations({ title: "Job status" }))
{}

const ScheduleIdParam = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^[A-Za-z0-9_-]{1,64}$/, {
    message: "a schedule id is 1-64 characters of A-Z, a-z, 0-9, '_' and '-'"
  }))
)

export class SchedulesGroup extends HttpApiGroup.make("schedules")
  .add(
    HttpApiEndpoint.post("createSchedule", "/api/v1/schedules", {
      payload: ScheduleCreate,
      success: Ok(ScheduleView).pipe(HttpApiSchema.status(201)),
      error: [ConflictWire, ServiceUnavailableWire]
    }).annotateMerge(OpenApi.annotations({
      summary: "Run a job on a schedule",
      description: "`{kind, ...the command's fields, every | cron | at, until?}`. A live refresh of an event " +
        "while it runs: `{kind: \"ingest_event\", track_slug, source_event_id, every: \"2m\", until}`. Each firing " +
        "enqueues the command like POST would; while the previous firing's job is queued or running it dedupes to " +
        "it. 400 names the field of a bad spec (unparseable cron, interval under SCHEDULE_MIN_INTERVAL, until in " +
        "the past)."
    })).middleware(JsonRequest),
    HttpApiEndpoint.get("listSchedules", "/api/v1/schedules", {
      success: Ok(Schema.Array(ScheduleView)),
      error: ServiceUnavailableWire
    }).annotateMerge(OpenApi.annotations({ summary: "Every schedule, the default ones included" })),
    HttpApiEndpoint.get("getSchedule", "/api/v1/schedules/:scheduleId", {
      params: { scheduleId: ScheduleIdParam },
      success: Ok(ScheduleView),
      error: [NotFoundWire, ServiceUnavailableWire]
    }).annotateMerge(OpenApi.annotations({ summary: "One schedule and its next run" })),
    HttpApiEndpoint.delete("deleteSchedule", "/api/v1/schedules/:scheduleId", {
      params: { scheduleId: ScheduleIdParam },
      success: Ok(ScheduleDeleted),
      error: [NotFoundWire, ServiceUnavailableWire]
    }).annotateMerge(OpenApi.annotations({
      summary: "Delete a schedule",
      description: "It fires no more; a job it already enqueued runs on. A default schedule comes back at the " +
        "next worker start unless its SCHEDULE_* setting is `off`."
    })).middleware(JsonRequest)
  )
  .middleware(BearerAuth)
  .annotateMerge(OpenApi.annotations({
    title: "Schedules",
    description: "Schedules are NATS message schedules in the SCHEDULES stream: they survive restarts and fire " +
      "once per cluster."
  }))
{}

export class TracksGroup extends HttpApiGroup.make("tracks")
  .add(
    HttpApiEndpoint.put("followTrack", "/api/v1/tracks/:slug/follow", {
      params: { slug: TrackSlug },
      success: Ok(FollowedTrackView),
      error: ServiceUnavailableWire
    }).annotateMerge(OpenApi.annotations({
      summary: "Follow a track",
      description: "Followed tracks get their event lists synced (SCHEDULE_FOLLOWED_EVENTS) and their recent " +
        "events ingested (SCHEDULE_RECENT_INGEST). Idempotent."
    })).middleware(JsonRequest),
    HttpApiEndpoint.delete("unfollowTrack", "/api/v1/tracks/:slug/follow", {
      params: { slug: TrackSlug },
      success: Ok(FollowedTrackView),
      error: ServiceUnavailableWire
    }).annotateMerge(OpenApi.annotations({ summary: "Stop following a track (idempotent)" })).middleware(JsonRequest),
    HttpApiEndpoint.get("followedTracks", "/api/v1/tracks/followed", {
      success: Ok(Schema.Array(FollowedTrackView)),
      error: ServiceUnavailableWire
    }).annotateMerge(OpenApi.annotations({ summary: "The followed tracks" }))
  )
  .middleware(BearerAuth)
  .annotateMerge(OpenApi.annotations({ title: "Followed tracks" }))
{}

export class AdminGroup extends HttpApiGroup.make("admin")
  .add(
    HttpApiEndpoint.get("getPause", "/api/v1/admin/liverc/pause", {
      success: Ok(KillSwitchView),
      error: ServiceUnavailableWire
    }).annotateMerge(OpenApi.annotations({ summary: "Whether LiveRC traffic is paused" })),
    HttpApiEndpoint.put("pause", "/api/v1/admin/liverc/pause", {
      success: Ok(KillSwitchView),
      error: ServiceUnavailableWire
    }).annotateMerge(OpenApi.annotations({
      summary: "Pause every LiveRC request in every process (the global kill switch)",
      description: "Requests already on the wire finish; no new one starts until the pause is cleared."
    })).middleware(JsonRequest),
    HttpApiEndpoint.delete("resume", "/api/v1/admin/liverc/pause", {
      success: Ok(KillSwitchView),
      error: ServiceUnavailableWire
    }).annotateMerge(OpenApi.annotations({ summary: "Resume LiveRC traffic" })).middleware(JsonRequest)
  )
  .middleware(BearerAuth)
  .annotateMerge(OpenApi.annotations({ title: "Admin" }))
{}

export class SystemGroup extends HttpApiGroup.make("system", { topLevel: true })
  .add(
    HttpApiEndpoint.get("healthz", "/healthz", { success: Ok(Health) })
      .annotateMerge(OpenApi.annotations({ summary: "The process is alive" })),
    HttpApiEndpoint.get("readyz", "/readyz", { success: Ok(Readiness), error: ServiceUnavailableWire })
      .annotateMerge(OpenApi.annotations({
        summary: "NATS and Postgres are reachable right now",
        description: "503 NOT_READY names what is down."
      })),
    HttpApiEndpoint.get("metrics", "/metrics", {
      success: Schema.String.pipe(HttpApiSchema.asText({ contentType: "text/plain; version=0.0.4; charset=utf-8" }))
    }).annotateMerge(OpenApi.annotations({ summary: "Prometheus metrics" }))
  )
  .annotateMerge(OpenApi.annotations({ title: "Operations" }))
{}

export class GatewayApi extends HttpApi.make("liverc-ingest")
  .add(IngestGroup)
  .add(EventsGroup)
  .add(JobsGroup)
  .add(SchedulesGroup)
  .add(TracksGroup)
  .add(AdminGroup)
  .add(SystemGroup)
  .middleware(RequestValidation)
  .middleware(AllowedHost)
  .annotate(HttpApi.PayloadParseOptions, { onExcessProperty: "error", errors: "all" })
  .annotateMerge(OpenApi.annotations({
    title: "liverc-ingest gateway",
    version: "1",
    description: "Enqueue LiveRC ingestion jobs and poll their status. Every answer is " +
      "`{success: true, data}` or `{success: false, error: {code, message}}`. Every POST, PUT and DELETE needs " +
      "`Content-Type: application/json`, with a body or not (415 otherwise); every request needs a Host header " +
      "naming a host the gateway answers for (421 otherwise)."
  }))
{}

/** Where the OpenAPI document is served (the UI page is at /docs). */
export const OPENAPI_PATH = "/docs/openapi.json"
export const DOCS_PATH = "/docs"
