import { Effect, Schema } from "effect"
import { Argument, Flag } from "effect/cli"
import { JobId } from "../jobs/Commands.ts"
import {
  type InvalidLiveRcInput,
  IngestDepth,
  validateLiveRcId,
  validatePracticeDate,
  validateTrackSlug
} from "../liverc/LiveRcIds.ts"
import { BadInput } from "../terminal/ExitCodes.ts"

/**
 * Arguments of the queue commands, checked in the handler with the same rules the workers apply,
 * so a bad value is refused with exit 3 and one precise line before anything is published.
 */

const refuse = (error: InvalidLiveRcInput) => new BadInput({ reason: error.message })

export const eventIdInput = (value: string) => validateLiveRcId(value).pipe(Effect.mapError(refuse))
export const trackSlugInput = (value: string) => validateTrackSlug(value).pipe(Effect.mapError(refuse))
export const dateInput = (flag: string, value: string) =>
  validatePracticeDate(value).pipe(Effect.mapError((error) => new BadInput({ reason: `--${flag}: ${error.message}` })))

const decodeJobId = Schema.decodeUnknownEffect(JobId)
export const jobIdInput = (value: string) =>
  decodeJobId(value).pipe(
    Effect.mapError(() =>
      new BadInput({
        reason: `invalid job id ${JSON.stringify(value.slice(0, 80))}: a job id is 8-64 characters of A-Z, a-z, 0-9, '_' and '-'`
      })
    )
  )

export const trackSlugArgument = Argument.String("track-slug").pipe(
  Argument.withDescription("The track's LiveRC subdomain, e.g. canberraoffroad")
)

export const jobIdArgument = Argument.String("job-id").pipe(Argument.withDescription("A job id as printed by ingest/sync/discover"))

export const depthFlag = Flag.Literals("depth", IngestDepth.literals).pipe(
  Flag.withDescription("summary: event, races, results; laps_full: also every driver's laps")
)

export const jsonFlag = Flag.Boolean("json").pipe(
  Flag.withDescription("Print JSON (the default when stdout is not a terminal)"),
  Flag.withDefault(false)
)

export const limitFlag = (fallback: number) =>
  Flag.Int("limit").pipe(Flag.withDescription("Show at most this many"), Flag.withDefault(fallback))

export const positiveLimit = (limit: number) =>
  limit >= 1 && limit <= 10_000
    ? Effect.succeed(limit)
    : Effect.fail(new BadInput({ reason: `--limit must be between 1 and 10000 (got ${limit})` }))
