import { Effect } from "effect"
import { Command } from "effect/cli"
import { DeadLetterQueue, type DeadLetterEntry } from "../queue/DeadLetterQueue.ts"
import { BadInput, NotFound, unreachable } from "../terminal/ExitCodes.ts"
import { isInteractive, printJson, printJsonLine, writeOut } from "../terminal/Terminal.ts"
import { describeParams, renderTable } from "../terminal/TextTable.ts"
import { jobIdArgument, jobIdInput, jsonFlag, limitFlag, positiveLimit } from "./CommandInput.ts"
import { concludeJob, followJob } from "./JobFollower.ts"
import { waitFlag } from "./JobSubmission.ts"
import { withQueue } from "./OperatorSession.ts"

/**
 * `liverc-ingest dlq ls` (what is in INGEST_DLQ) and `dlq replay <job-id> [--wait]` (queue the
 * dead command again as a new job, then remove it from the DLQ; see DeadLetterQueue.ts).
 */

const table = (entries: ReadonlyArray<DeadLetterEntry>) =>
  renderTable(
    ["SEQ", "JOB", "KIND", "PARAMS", "ATTEMPTS", "DEAD AT", "ERROR"],
    entries.map((e) => [
      String(e.seq),
      e.job_id ?? "(not a valid command)",
      e.kind ?? "",
      e.params === null ? e.subject : describeParams(e.params),
      e.attempts === null ? "" : String(e.attempts),
      e.dead_at,
      `${e.error_code ?? ""} ${e.error_message ?? ""}`.trim()
    ])
  )

const list = Command.make(
  "ls",
  { json: jsonFlag, limit: limitFlag(50) },
  Effect.fn("DlqCommand.ls")(function*({ json, limit }) {
    const max = yield* positiveLimit(limit)
    yield* withQueue(Effect.gen(function*() {
      const { entries, total } = yield* (yield* DeadLetterQueue).list(max).pipe(
        Effect.catchTag("JetStreamFailure", unreachable)
      )
      if (json || !isInteractive()) return yield* printJsonLine({ total, entries })
      yield* writeOut(
        `${total} dead letters in INGEST_DLQ${entries.length < total ? ` (the oldest ${entries.length} shown)` : ""}\n` +
          (entries.length === 0 ? "" : `${table(entries)}\n`)
      )
    }))
  })
).pipe(Command.withAlias("list"), Command.withDescription("List the dead letters in INGEST_DLQ, oldest first"))

const replay = Command.make(
  "replay",
  { jobId: jobIdArgument, wait: waitFlag },
  Effect.fn("DlqCommand.replay")(function*({ jobId, wait }) {
    const id = yield* jobIdInput(jobId)
    yield* withQueue(Effect.gen(function*() {
      const replayed = yield* (yield* DeadLetterQueue).replay(id).pipe(
        Effect.catchTags({
          DeadLetterNotFound: (error) => Effect.fail(new NotFound({ reason: error.message })),
          // The dead command breaks a rule in force now (a lower PRACTICE_DISCOVERY_MAX_DAYS, say).
          InvalidCommand: (error) => Effect.fail(new BadInput({ reason: `cannot replay ${id}: ${error.message}` })),
          QueueFull: unreachable,
          QueueUnavailable: unreachable
        })
      )
      const { deduplicated, job, removed } = replayed
      const interactive = isInteractive()
      if (interactive) {
        yield* writeOut(
          `${deduplicated ? `its key already has a live job, ${job.job_id}` : `replayed ${id} as ${job.job_id}`}; ` +
            `${removed} dead letter${removed === 1 ? "" : "s"} removed\n`
        )
      }
      if (!wait) {
        yield* interactive ? printJson(job) : printJsonLine({ replayed_from: id, removed, deduplicated, job })
        return
      }
      yield* concludeJob(yield* followJob(job, deduplicated))
    }))
  })
).pipe(Command.withDescription("Queue a dead job's command again under a new job id and remove it from the DLQ"))

export const dlqCommand = Command.make("dlq").pipe(
  Command.withDescription("Inspect and replay dead letters (INGEST_DLQ)"),
  Command.withSubcommands([list, replay])
)
