import { Effect } from "effect"
import { Flag } from "effect/cli"
import { type Command, commandSubject } from "../jobs/Commands.ts"
import { JobQueue } from "../streams/JobQueue.ts"
import { unreachable } from "./ExitCodes.ts"
import { concludeJob, followJob } from "./JobFollower.ts"
import { withQueue } from "./OperatorSession.ts"
import { isInteractive, printJson, printJsonLine, writeOut } from "./Terminal.ts"

/**
 * What `ingest`, `sync` and `discover` share: publish a command straight to the INGEST stream
 * through JobQueue (dedupe by key, status created), print the job, and with `--wait` follow it to
 * its end with the exit code of its outcome.
 */

export const waitFlag = Flag.Boolean("wait").pipe(
  Flag.withDescription(
    "Follow the job until it finishes (progress bar on a terminal, JSON lines otherwise); exit 0 completed, 1 failed, 2 cancelled"
  ),
  Flag.withDefault(false)
)

export const submitJob = (command: Command, wait: boolean) =>
  withQueue(Effect.gen(function*() {
    const queue = yield* JobQueue
    const { deduplicated, job } = yield* queue.enqueue(command).pipe(
      Effect.catchTags({ QueueFull: unreachable, QueueUnavailable: unreachable })
    )
    const interactive = isInteractive()
    if (interactive) {
      yield* writeOut(
        deduplicated
          ? `${commandSubject(command)} already has a live job: ${job.job_id} (${job.status}); nothing new was queued\n`
          : `queued ${job.job_id} on ${commandSubject(command)}\n`
      )
    }
    if (!wait) {
      yield* interactive ? printJson(job) : printJsonLine({ deduplicated, job })
      return
    }
    yield* concludeJob(yield* followJob(job, deduplicated))
  }))
