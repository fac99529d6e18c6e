import { Effect } from "effect"
import { Flag } from "effect/cli"
import { checkConfig } from "../config/ConfigCheck.ts"
import { type Command, commandSubject } from "../jobs/Commands.ts"
import {
  type CommandRequest,
  CommandRulesConfig,
  commandRulesConfigFields,
  type InvalidCommand,
  makeCommand
} from "../jobs/JobCommands.ts"
import { JobQueue } from "../queue/JobQueue.ts"
import { BadInput, unreachable } from "../terminal/ExitCodes.ts"
import { isInteractive, printJson, printJsonLine, writeOut } from "../terminal/Terminal.ts"
import { concludeJob, followJob } from "./JobFollower.ts"
import { withQueue } from "./OperatorSession.ts"

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

/** A rule the command broke, in the words of the command line (flags, not body fields). */
const refused = (request: CommandRequest, error: InvalidCommand) =>
  new BadInput({
    reason: error.code === "INVALID_RANGE" && request.kind === "discover_practice"
      ? `--from ${request.from} is after --to ${request.to}`
      : error.field === "to" || error.field === "from"
      ? `--${error.field}: ${error.reason}`
      : error.message
  })

/**
 * Makes the command (JobCommands' rules, read from the environment) before anything connects, so
 * a refused one exits 3 having sent nothing; then submits it.
 */
export const submitJob = (request: CommandRequest, wait: boolean) =>
  Effect.gen(function*() {
    yield* checkConfig(commandRulesConfigFields)
    const rules = yield* CommandRulesConfig.pipe(Effect.orDie)
    const made = makeCommand(request, rules)
    if (made._tag === "Failure") return yield* refused(request, made.failure)
    yield* publishJob(made.success, wait)
  })

const publishJob = (command: Command, wait: boolean) =>
  withQueue(Effect.gen(function*() {
    const queue = yield* JobQueue
    const { deduplicated, job, upgraded } = yield* queue.enqueue(command).pipe(
      Effect.catchTags({ QueueFull: unreachable, QueueUnavailable: unreachable })
    )
    const interactive = isInteractive()
    if (interactive) {
      yield* writeOut(
        upgraded
          ? `${commandSubject(command)} already has a live job: ${job.job_id} (${job.status}); raised it to do what was asked\n`
          : deduplicated
          ? `${commandSubject(command)} already has a live job: ${job.job_id} (${job.status}); nothing new was queued\n`
          : `queued ${job.job_id} on ${commandSubject(command)}\n`
      )
    }
    if (!wait) {
      yield* interactive ? printJson(job) : printJsonLine({ deduplicated, upgraded, job })
      return
    }
    yield* concludeJob(yield* followJob(job, deduplicated))
  }))
