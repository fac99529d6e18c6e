import { Duration, Effect, Schedule } from "effect"
import type { JobId } from "../jobs/Commands.ts"
import { isTerminal, type JobStatus } from "../jobs/JobStatus.ts"
import { JobQueue } from "../queue/JobQueue.ts"
import { corrupt, JobCancelled, JobFailed, NotFound, QueueUnreachable } from "../terminal/ExitCodes.ts"
import { renderProgressLine } from "../terminal/ProgressLine.ts"
import { CLEAR_LINE, isInteractive, printJson, printJsonLine, terminalWidth, writeErr, writeOut } from "../terminal/Terminal.ts"
import { withPauseNotice } from "./PauseNotice.ts"

/**
 * `--wait`: follows a job until it finishes, by reading its status (JobQueue.get, one KV get)
 * every POLL_INTERVAL. On a terminal a single line is redrawn in place; otherwise one JSON line
 * `{"deduplicated", "job"}` is printed per change of the job (state, attempt, progress, error).
 * A broker that is away for a moment only delays the answer; away longer than UNAVAILABLE_GRACE,
 * the command gives up with exit 4 (the job itself is unaffected).
 */

export const POLL_INTERVAL = Duration.millis(250)
export const UNAVAILABLE_GRACE = Duration.seconds(30)

/** What a change is: the parts of the document that move while a job runs (not its queue position). */
const changeKey = (status: JobStatus) =>
  JSON.stringify([status.status, status.attempts, status.progress, status.error_code, status.error_message])

const elapsedSince = (status: JobStatus) => Math.max(0, Date.now() - Date.parse(status.created_at))

const read = (jobId: JobId) =>
  Effect.gen(function*() {
    const queue = yield* JobQueue
    return yield* queue.get(jobId).pipe(
      Effect.retry({
        while: (error) => error._tag === "QueueUnavailable",
        schedule: Schedule.spaced(Duration.seconds(1)).pipe(Schedule.upTo({ duration: UNAVAILABLE_GRACE }))
      }),
      Effect.catchTags({
        QueueUnavailable: (error) => Effect.fail(new QueueUnreachable({ reason: `lost track of job ${jobId}: ${error.message}` })),
        JobNotFound: (error) => Effect.fail(new NotFound({ reason: error.message })),
        CorruptStatus: corrupt
      }),
      Effect.flatMap((status) => withPauseNotice([status])),
      Effect.map(([status]) => status!)
    )
  })

/** Follows `initial` to a finished status and returns it. */
export const followJob = (initial: JobStatus, deduplicated: boolean) =>
  Effect.gen(function*() {
    const interactive = isInteractive()
    const show = (status: JobStatus) =>
      interactive
        ? writeOut(`${CLEAR_LINE}${renderProgressLine(status, elapsedSince(status), terminalWidth())}`)
        : printJsonLine({ deduplicated, job: status })
    let current = initial
    yield* show(current)
    while (!isTerminal(current.status)) {
      yield* Effect.sleep(POLL_INTERVAL)
      const next = yield* read(current.job_id)
      const changed = changeKey(next) !== changeKey(current)
      current = next
      // The terminal line also carries the elapsed time, so it is redrawn on every poll.
      if (interactive || changed) yield* show(current)
    }
    if (interactive) yield* writeOut("\n")
    return current
  }).pipe(
    // Ctrl-C stops following (the job runs on); the prompt must not land on the bar's line.
    Effect.onInterrupt(() => isInteractive() ? writeOut("\n") : Effect.void)
  )

/**
 * The end of `--wait`: a completed job is printed (on a terminal; a pipe has just had its last
 * line) and the command exits 0; a failed one says its code and message on stderr and exits 1;
 * a cancelled one exits 2.
 */
export const concludeJob = (final: JobStatus) =>
  Effect.gen(function*() {
    switch (final.status) {
      case "completed":
        if (isInteractive()) yield* printJson(final)
        return
      case "failed":
        yield* writeErr(`job ${final.job_id} failed: ${final.error_code ?? "FAILED"}: ${final.error_message ?? ""}\n`)
        return yield* new JobFailed({ jobId: final.job_id })
      case "cancelled":
        yield* writeErr(`job ${final.job_id} was cancelled\n`)
        return yield* new JobCancelled({ jobId: final.job_id })
      default:
        return
    }
  })
