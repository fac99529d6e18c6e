import { Effect, Option } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { EventReader } from "../db/EventReader.ts"
import { type CommandRequest, type InvalidCommand, JobCommands } from "../jobs/JobCommands.ts"
import { JobQueue } from "../queue/JobQueue.ts"
import { InvalidRequest, NotFound } from "./ApiErrors.ts"
import { ok } from "./Envelope.ts"
import { GatewayApi } from "./GatewayApi.ts"
import { NatsLink } from "./NatsLink.ts"
import { databaseUnavailable, queueFull, queueUnavailable } from "./QueueFailures.ts"

/**
 * The routes that enqueue work: each asks JobCommands for one command (ids, defaults and the
 * rules that span fields live there) and answers 202 with its job.
 */

/** A rule the command broke, as the client spelled the field. */
const refused = (error: InvalidCommand) =>
  Effect.fail(error.field === null ? InvalidRequest.of(error.reason) : InvalidRequest.field(error.field, error.reason))

export const IngestEndpoints = HttpApiBuilder.group(
  GatewayApi,
  "ingest",
  Effect.fn(function*(handlers) {
    const queue = yield* JobQueue
    const events = yield* EventReader
    const link = yield* NatsLink
    const commands = yield* JobCommands

    const enqueue = (request: CommandRequest) =>
      commands.make(request).pipe(
        Effect.catch(refused),
        Effect.flatMap((command) => link.whenUp(queue.enqueue(command))),
        Effect.map(({ deduplicated, job, upgraded }) => ok({ ...job, deduplicated, upgraded })),
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
          kind: "ingest_event",
          event_id: params.eventId,
          track_slug: slug.value,
          depth: payload?.depth,
          force: payload?.force
        })
      }),
      ingestTrackEvent: Effect.fn("Gateway.ingestTrackEvent")(function*({ payload }) {
        return yield* enqueue({
          kind: "ingest_event",
          event_id: payload.source_event_id,
          track_slug: payload.track_slug,
          depth: payload.depth,
          force: payload.force
        })
      }),
      syncTracks: Effect.fn("Gateway.syncTracks")(function*() {
        return yield* enqueue({ kind: "sync_tracks" })
      }),
      syncEvents: Effect.fn("Gateway.syncEvents")(function*({ params }) {
        return yield* enqueue({ kind: "sync_events", track_slug: params.slug })
      }),
      discoverPractice: Effect.fn("Gateway.discoverPractice")(function*({ params, payload }) {
        return yield* enqueue({
          kind: "discover_practice",
          track_slug: params.slug,
          from: payload.from,
          to: payload.to,
          depth: payload.depth
        })
      })
    })
  })
)
