import { Effect, Option } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { DEFAULT_INGEST_DEPTH } from "../jobs/JobCommands.ts"
import { depthFlag, eventIdInput, trackSlugInput } from "./CommandInput.ts"
import { submitJob, waitFlag } from "./JobSubmission.ts"

/** `liverc-ingest ingest event <id> [--track slug] [--depth summary|laps_full] [--force] [--wait]`. */
const ingestEvent = Command.make(
  "event",
  {
    eventId: Argument.String("event-id").pipe(Argument.withDescription("LiveRC event id, as in ?p=view_event&id=N")),
    track: Flag.String("track").pipe(
      Flag.withDescription("The event's track slug; without it the worker looks the event's track up in Postgres"),
      Flag.optional
    ),
    depth: depthFlag.pipe(Flag.withDefault(DEFAULT_INGEST_DEPTH)),
    force: Flag.Boolean("force").pipe(
      Flag.withDescription(
        "Fetch every page of the event again, unconditionally; without it only what changed since the last ingest is fetched"
      ),
      Flag.withDefault(false)
    ),
    wait: waitFlag
  },
  Effect.fn("IngestCommand.event")(function*({ depth, eventId, force, track, wait }) {
    const event_id = yield* eventIdInput(eventId)
    const slug = Option.isSome(track) ? Option.some(yield* trackSlugInput(track.value)) : Option.none()
    yield* submitJob({
      kind: "ingest_event",
      event_id,
      track_slug: Option.getOrUndefined(slug),
      depth,
      // Absent rather than false, so a command without --force reads as it always did.
      force: force ? true : undefined
    }, wait)
  })
).pipe(Command.withDescription("Queue the ingestion of one event (published straight to NATS)"))

export const ingestCommand = Command.make("ingest").pipe(
  Command.withDescription("Queue ingestion jobs"),
  Command.withSubcommands([ingestEvent])
)
