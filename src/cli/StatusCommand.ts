import { Effect } from "effect"
import { Command } from "effect/cli"
import { JobQueue } from "../queue/JobQueue.ts"
import { corrupt, NotFound, unreachable } from "../terminal/ExitCodes.ts"
import { isInteractive, printJson, printJsonLine } from "../terminal/Terminal.ts"
import { jobIdArgument, jobIdInput } from "./CommandInput.ts"
import { withQueue } from "./OperatorSession.ts"
import { withPauseNotice } from "./PauseNotice.ts"

/** `liverc-ingest status <job-id>`: the job's status document (one KV read); exit 1 if unknown. */
export const statusCommand = Command.make(
  "status",
  { jobId: jobIdArgument },
  Effect.fn("StatusCommand.run")(function*({ jobId }) {
    const id = yield* jobIdInput(jobId)
    yield* withQueue(Effect.gen(function*() {
      const job = yield* (yield* JobQueue).get(id).pipe(
        Effect.catchTags({
          JobNotFound: (error) => Effect.fail(new NotFound({ reason: error.message })),
          CorruptStatus: corrupt,
          QueueUnavailable: unreachable
        })
      )
      const [shown] = yield* withPauseNotice([job])
      yield* isInteractive() ? printJson(shown) : printJsonLine(shown)
    }))
  })
).pipe(Command.withDescription("Print a job's status document as JSON"))
