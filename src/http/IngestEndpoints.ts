import { randomUUID } from "node:crypto"
import { Clock, Effect, Option } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { EventReader } from "../db/EventReader.ts"
import { type Command, JobId } from "../jobs/Commands.ts"
import type { PracticeDate } from "../liverc/LiveRcIds.ts"
import { JobQueue } from "../streams/JobQueue.ts"
import { InvalidRequest, NotFound } from "./ApiErrors.ts"
import { ok } from "./Envelope.ts"
import { GatewayApi } from "./GatewayApi.ts"
import { NatsLink } from "./NatsLink.ts"
import { databaseUnavailable, queueFull, queueUnavailable } from "./QueueFailures.ts"

/** The routes that enqueue work: each builds one command and answers 202 with its job. */

/** A practice discovery reads about one month page per 30 days; a year is plenty for one job. */
export const MAX_PRACTICE_RANGE_DAYS = 366

const DAY_MILLIS = 86_400_000

/** Days from `from` to `to`, both included; both are validated calendar dates. */
export const rangeDays = (from: PracticeDate, to: PracticeDate): number =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MILLIS) + 1

export const checkPracticeRange = (from: PracticeDate, to: PracticeDate): Effect.Effect<void, InvalidRequest> => {
  if (to < from) return Effect.fail(InvalidRequest.field("to", `${to} is before from (${from})`))
  const days = rangeDays(from, to)
  return days > MAX_PRACTICE_RANGE_DAYS
    ? Effect.fail(InvalidRequest.field("to", `the range spans ${days} days; at most ${MAX_PRACTICE_RANGE_DAYS}`))
    : Effect.void
}

/** Server-side job ids only: a UUID v4 fits JobId, and no client can pick (or guess) another's. */
export const newJobId = (): JobId => JobId.make(randomUUID())

const DEFAULT_DEPTH = "laps_full" as const

export const IngestEndpoints = HttpApiBuilder.group(
  GatewayApi,
  "ingest",
  Effect.fn(function*(handlers) {
    const queue = yield* JobQueue
    const events = yield* EventReader
    const link = yield* NatsLink

    const envelope = Effect.gen(function*() {
      const now = yield* Clock.currentTimeMillis
      return { v: 1 as const, job_id: newJobId(), requested_at: new Date(now).toISOString() }
    })

    const enqueue = (command: Command) =>
      link.whenUp(queue.enqueue(command)).pipe(
        Effect.map(({ deduplicated, job }) => ok({ ...job, deduplicated })),
        Effect.catchTags({ QueueFull: queueFull, QueueUnavailable: queueUnavailable })
      )

    return handlers.handleAll({
      ingestStoredEvent: Effect.fn("Gateway.ingestStoredEvent")(function*({ params, payload }) {
        const slug = yield* events.findTrackSlug(params.eventId).pipe(Effect.catch(databaseUnavailable))
        if (Option.isNone(slug)) {
          return yield* new NotFound({
            code: "EVENT_NOT_STORED",
            message: `event ${params.eventId} is not stored yet; ingest it by its track with ` +
              `POST /api/v1/events/ingest {"track_slug": "<the track's slug>", "source_event_id": "${params.eventId}"}`
          })
        }
        return yield* enqueue({
          ...(yield* envelope),
          kind: "ingest_event",
          event_id: params.eventId,
          track_slug: slug.value,
          depth: payload?.depth ?? DEFAULT_DEPTH
        })
      }),
      ingestTrackEvent: Effect.fn("Gateway.ingestTrackEvent")(function*({ payload }) {
        return yield* enqueue({
          ...(yield* envelope),
          kind: "ingest_event",
          event_id: payload.source_event_id,
          track_slug: payload.track_slug,
          depth: payload.depth ?? DEFAULT_DEPTH
        })
      }),
      syncTracks: Effect.fn("Gateway.syncTracks")(function*() {
        return yield* enqueue({ ...(yield* envelope), kind: "sync_tracks" })
      }),
      syncEvents: Effect.fn("Gateway.syncEvents")(function*({ params }) {
        return yield* enqueue({ ...(yield* envelope), kind: "sync_events", track_slug: params.slug })
      }),
      discoverPractice: Effect.fn("Gateway.discoverPractice")(function*({ params, payload }) {
        yield* checkPracticeRange(payload.from, payload.to)
        return yield* enqueue({
          ...(yield* envelope),
          kind: "discover_practice",
          track_slug: params.slug,
          from: payload.from,
          to: payload.to,
          ...(payload.depth === undefined ? {} : { depth: payload.depth })
        })
      })
    })
  })
)
