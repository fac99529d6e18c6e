import { Effect, Option } from "effect"
import { Command, Flag } from "effect/cli"
import { dateInput, depthFlag, trackSlugArgument, trackSlugInput } from "./CommandInput.ts"
import { submitJob, waitFlag } from "./JobSubmission.ts"

/** `liverc-ingest discover practice <slug> --from YYYY-MM-DD --to YYYY-MM-DD [--depth ...] [--wait]`. */
const discoverPractice = Command.make(
  "practice",
  {
    slug: trackSlugArgument,
    from: Flag.String("from").pipe(Flag.withDescription("First day, YYYY-MM-DD")),
    to: Flag.String("to").pipe(Flag.withDescription("Last day (inclusive), YYYY-MM-DD")),
    depth: depthFlag.pipe(Flag.optional),
    wait: waitFlag
  },
  Effect.fn("DiscoverCommand.practice")(function*({ depth, from, slug, to, wait }) {
    const track_slug = yield* trackSlugInput(slug)
    const first = yield* dateInput("from", from)
    const last = yield* dateInput("to", to)
    yield* submitJob(
      { kind: "discover_practice", track_slug, from: first, to: last, depth: Option.getOrUndefined(depth) },
      wait
    )
  })
).pipe(Command.withDescription("Queue a discovery of a track's practice days in a date range"))

export const discoverCommand = Command.make("discover").pipe(
  Command.withDescription("Queue discovery jobs"),
  Command.withSubcommands([discoverPractice])
)
