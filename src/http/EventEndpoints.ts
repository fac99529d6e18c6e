import { Effect, Option } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { EventReader } from "../db/EventReader.ts"
import { NotFound } from "./ApiErrors.ts"
import { ok } from "./Envelope.ts"
import { GatewayApi } from "./GatewayApi.ts"
import { databaseUnavailable } from "./QueueFailures.ts"

/** Stored events, read from Postgres: what `liverc-ingest show event` prints. */
export const EventEndpoints = HttpApiBuilder.group(
  GatewayApi,
  "events",
  Effect.fn(function*(handlers) {
    const events = yield* EventReader
    return handlers.handleAll({
      getEvent: Effect.fn("Gateway.getEvent")(function*({ params }) {
        const stored = yield* events.show(params.eventId).pipe(Effect.catch(databaseUnavailable))
        if (Option.isNone(stored)) {
          return yield* new NotFound({
            code: "EVENT_NOT_STORED",
            message: `event ${params.eventId} is not stored; ingest it with ` +
              `POST /api/v1/events/ingest {"track_slug": "<the track's slug>", "source_event_id": "${params.eventId}"}`
          })
        }
        return ok(stored.value)
      })
    })
  })
)
