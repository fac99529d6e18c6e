import { Effect } from "effect"
import { Command } from "effect/cli"
import { JobQueue } from "../queue/JobQueue.ts"
import { corrupt, NotFound, unreachable } from "../terminal/ExitCodes.ts"
import { isInteractive, printJson, printJsonLine } from "../terminal/Terminal.ts"
import { jobIdArgument, jobIdInput } from "./CommandInput.ts"
import { withQueue } from "./OperatorSession.ts"

/**
 * `liverc-ingest cancel <job-id>`: a queued job leaves the queue, a running one is interrupted
 * (nothing partial is committed). Exit 1 for an unknown or already finished job.
 */
export const cancelCommand = Command.make(
  "cancel",
  { jobId: jobIdArgument },
  Effect.fn("CancelCommand.run")(function*({ jobId }) {
    const id = yield* jobIdInput(jobId)
    yield* withQueue(Effect.gen(function*() {
      const job = yield* (yield* JobQueue).cancel(id).pipe(
        Effect.catchTags({
          JobNotFound: (error) => Effect.fail(new NotFound({ reason: error.message })),
          JobAlreadyFinished: (error) => Effect.fail(new NotFound({ reason: error.message })),
          CorruptStatus: corrupt,
          QueueUnavailable: unreachable
        })
      )
      yield* isInteractive() ? printJson(job) : printJsonLine(job)
    }))
  })
).pipe(Command.withDescription("Cancel a queued or running job"))
