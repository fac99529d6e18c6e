import { Effect } from "effect"
import { Command } from "effect/cli"
import { isTerminal, type JobStatus } from "../jobs/JobStatus.ts"
import { JobListing } from "../queue/JobListing.ts"
import { unreachable } from "../terminal/ExitCodes.ts"
import { formatElapsed } from "../terminal/ProgressLine.ts"
import { isInteractive, printJsonLine, writeOut } from "../terminal/Terminal.ts"
import { describeParams, renderTable } from "../terminal/TextTable.ts"
import { jsonFlag, limitFlag, positiveLimit } from "./CommandInput.ts"
import { withQueue } from "./OperatorSession.ts"
import { withPauseNotice } from "./PauseNotice.ts"

/**
 * `liverc-ingest jobs [--json] [--limit N]`: the live jobs (queued and running, in the order the
 * workers take them) and the recently finished ones still in the status bucket. Both walk data
 * (JobListing), so this is for people, not for polling.
 */

const progressOf = (job: JobStatus): string => {
  if (job.status === "queued") return typeof job.queue_position === "number" ? `#${job.queue_position} in line` : ""
  if (job.progress === null) return ""
  const { done, stage, total } = job.progress
  return `${stage} ${total === null ? done : `${done}/${total}`}`
}

const outcomeOf = (job: JobStatus): string =>
  job.status === "failed" ? `${job.error_code ?? ""} ${job.error_message ?? ""}`.trim() : progressOf(job)

const ago = (iso: string) => `${formatElapsed(Date.now() - Date.parse(iso))} ago`

const table = (jobs: ReadonlyArray<JobStatus>) =>
  renderTable(
    ["JOB", "KIND", "STATUS", "ATTEMPTS", "PARAMS", "UPDATED", "PROGRESS / ERROR"],
    jobs.map((job) => [
      job.job_id,
      job.kind,
      job.status,
      String(job.attempts),
      describeParams(job.params),
      ago(job.updated_at),
      outcomeOf(job)
    ])
  )

export const jobsCommand = Command.make(
  "jobs",
  { json: jsonFlag, limit: limitFlag(20) },
  Effect.fn("JobsCommand.run")(function*({ json, limit }) {
    const max = yield* positiveLimit(limit)
    yield* withQueue(Effect.gen(function*() {
      const listing = yield* JobListing
      const live = yield* listing.live(max).pipe(Effect.catchTag("JetStreamFailure", unreachable), Effect.flatMap(withPauseNotice))
      // The bucket holds live jobs too; they are listed above, in queue order.
      const recent = (yield* listing.recent(max + live.length).pipe(Effect.catchTag("JetStreamFailure", unreachable)))
        .filter((job) => isTerminal(job.status))
        .slice(0, max)
      if (json || !isInteractive()) return yield* printJsonLine({ live, recent })
      const paused = live.find((job) => job.paused_since !== undefined)?.paused_since
      yield* writeOut(
        (paused === undefined ? "" : `LiveRC traffic is paused since ${paused}: live jobs wait for \`liverc-ingest resume\`\n\n`) +
        `Live jobs (queued and running, in queue order): ${live.length}\n` +
          (live.length === 0 ? "" : `${table(live)}\n`) +
          `\nRecently finished: ${recent.length}\n` +
          (recent.length === 0 ? "" : `${table(recent)}\n`)
      )
    }))
  })
).pipe(Command.withDescription("List queued and running jobs, and recently finished ones"))
