import { Effect } from "effect"
import { Command } from "effect/cli"
import { trackSlugArgument, trackSlugInput } from "./CommandInput.ts"
import { submitJob, waitFlag } from "./JobSubmission.ts"

/** `liverc-ingest sync tracks [--wait]` and `sync events <slug> [--wait]`. */

const syncTracks = Command.make(
  "tracks",
  { wait: waitFlag },
  Effect.fn("SyncCommand.tracks")(function*({ wait }) {
    yield* submitJob({ kind: "sync_tracks" }, wait)
  })
).pipe(Command.withDescription("Queue a sync of LiveRC's track catalogue and every track's dashboard"))

const syncEvents = Command.make(
  "events",
  { slug: trackSlugArgument, wait: waitFlag },
  Effect.fn("SyncCommand.events")(function*({ slug, wait }) {
    const track_slug = yield* trackSlugInput(slug)
    yield* submitJob({ kind: "sync_events", track_slug }, wait)
  })
).pipe(Command.withDescription("Queue a sync of one track's event list"))

export const syncCommand = Command.make("sync").pipe(
  Command.withDescription("Queue catalogue and event-list syncs"),
  Command.withSubcommands([syncTracks, syncEvents])
)
