import { Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import type { IngestEventCommand } from "../jobs/Commands.ts"
import { newJobId } from "../jobs/JobIds.ts"
import { depthFlag, eventIdInput, trackSlugInput } from "./CommandInput.ts"
import { submitJob, waitFlag } from "./JobSubmission.ts"

/** `liverc-ingest ingest event <id> [--track slug] [--depth summary|laps_full] [--wait]`. */
const ingestEvent = Command.make(
  "event",
  {
    eventId: Argument.String("event-id").pipe(Argument.withDescription("LiveRC event id, as in ?p=view_event&id=N")),
    track: Flag.String("track").pipe(
      Flag.withDescription("The event's track slug; without it the worker looks the event's track up in Postgres"),
      Flag.optional
    ),
    depth: depthFlag.pipe(Flag.withDefault("laps_full" as const)),
    wait: waitFlag
  },
  Effect.fn("IngestCommand.event")(function*({ depth, eventId, track, wait }) {
    const event_id = yield* eventIdInput(eventId)
    const slug = Option.isSome(track) ? Option.some(yield* trackSlugInput(track.value)) : Option.none()
    const command: IngestEventCommand = {
      v: 1,
      job_id: newJobId(),
      kind: "ingest_event",
      event_id,
      ...(Option.isSome(slug) ? { track_slug: slug.value } : {}),
      depth,
      requested_at: new Date().toISOString()
    }
    yield* submitJob(command, wait)
  })
).pipe(Command.withDescription("Queue the ingestion of one event (published straight to NATS)"))

export const ingestCommand = Command.make("ingest").pipe(
  Command.withDescription("Queue ingestion jobs"),
  Command.withSubcommands([ingestEvent])
)
