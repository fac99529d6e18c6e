import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import type { CommandRequest, InvalidCommand } from "../jobs/JobCommands.ts"
import type { ScheduleSpecFailure } from "../queue/ScheduleStore.ts"
import { type ScheduleId, ScheduleStore } from "../queue/ScheduleStore.ts"
import { Conflict, InvalidRequest, NotFound } from "./ApiErrors.ts"
import { ok } from "./Envelope.ts"
import { GatewayApi, type ScheduleCreate } from "./GatewayApi.ts"
import { NatsLink } from "./NatsLink.ts"
import { queueUnavailable } from "./QueueFailures.ts"

/**
 * Schedules over HTTP. A bad spec or command is a 400 naming the field as the client sent it
 * (`source_event_id`, not the command's `event_id`).
 */

const TIMING_FIELDS = ["every", "cron", "at", "until", "time_zone"] as const

/** The command part of the body, in the shape the enqueue routes make commands from. */
const commandRequest = (body: typeof ScheduleCreate.Type): CommandRequest => {
  const { source_event_id, ...rest } = body
  const fields: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(rest)) {
    if (!(TIMING_FIELDS as ReadonlyArray<string>).includes(key)) fields[key] = value
  }
  if (source_event_id !== undefined) fields["event_id"] = source_event_id
  return fields as unknown as CommandRequest
}

const clientField = (field: string) => field === "event_id" ? "source_event_id" : field

const refused = (error: InvalidCommand | ScheduleSpecFailure) =>
  Effect.fail(
    error.field === null ? InvalidRequest.of(error.reason) : InvalidRequest.field(clientField(error.field), error.reason)
  )

export const ScheduleEndpoints = HttpApiBuilder.group(
  GatewayApi,
  "schedules",
  Effect.fn(function*(handlers) {
    const store = yield* ScheduleStore
    const link = yield* NatsLink
    const notFound = (error: { readonly message: string }) => new NotFound({ code: "SCHEDULE_NOT_FOUND", message: error.message })

    return handlers.handleAll({
      createSchedule: ({ payload }) =>
        link.whenUp(store.create({
          command: commandRequest(payload),
          timing: { every: payload.every, cron: payload.cron, at: payload.at, until: payload.until, time_zone: payload.time_zone }
        })).pipe(
          Effect.map(ok),
          Effect.catchTags({
            InvalidSchedule: refused,
            InvalidCommand: refused,
            TooManySchedules: (error) => Effect.fail(new Conflict({ code: "TOO_MANY_SCHEDULES", message: error.message })),
            QueueUnavailable: queueUnavailable
          })
        ),
      listSchedules: () =>
        link.whenUp(store.list).pipe(Effect.map(ok), Effect.catchTag("QueueUnavailable", queueUnavailable)),
      getSchedule: ({ params }) =>
        link.whenUp(store.get(params.scheduleId as ScheduleId)).pipe(
          Effect.map(ok),
          Effect.catchTags({ ScheduleNotFound: (error) => Effect.fail(notFound(error)), QueueUnavailable: queueUnavailable })
        ),
      deleteSchedule: ({ params }) =>
        link.whenUp(store.remove(params.scheduleId as ScheduleId)).pipe(
          Effect.as(ok({ schedule_id: params.scheduleId, deleted: true as const })),
          Effect.catchTags({ ScheduleNotFound: (error) => Effect.fail(notFound(error)), QueueUnavailable: queueUnavailable })
        )
    })
  })
)
