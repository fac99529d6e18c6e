import { Effect, Layer } from "effect"
import { writeSync } from "node:fs"
import { JobHandlers, RetryableJobError, TerminalJobError } from "../../src/actors/JobHandler.ts"
import type { IngestEventCommand } from "../../src/jobs/Commands.ts"

/**
 * Scripted job handlers for queue tests. An `ingest_event` command's track slug is the script:
 *
 * - `sleep-<ms>`: runs that long, then succeeds
 * - `fail-retryable` / `fail-terminal`: fails with that kind of error
 * - `hang`: runs until interrupted (its finalizer reports `finalized`)
 * - `progress-<n>`: reports progress n times, 100 ms apart, then succeeds
 * - `noop`: succeeds at once and reports nothing (benchmarks)
 *
 * Every handler reports what happens as one JSON line on stdout (written synchronously, so a
 * worker killed with SIGKILL has still told what it started): `{ev, job, attempt, w, t}`.
 */

export interface JobEvent {
  readonly ev: "ready" | "start" | "end" | "finalized"
  readonly job?: string
  readonly attempt?: number
  /** The command's event id: which schedule or caller the job came from. */
  readonly event?: string
  readonly w: string
  readonly t: number
}

const workerId = process.env["TEST_WORKER_ID"] ?? String(process.pid)

export const emit = (event: Omit<JobEvent, "w" | "t">) => {
  writeSync(1, `${JSON.stringify({ ...event, w: workerId, t: Date.now() })}\n`)
}

const scripted = (command: IngestEventCommand, attempt: number, reportProgress: (done: number, total: number) => Effect.Effect<void>) => {
  const script = command.track_slug ?? "sleep-0"
  const sleep = /^sleep-(\d+)$/.exec(script)
  if (sleep !== null) return Effect.sleep(Number(sleep[1])).pipe(Effect.as({ slept: Number(sleep[1]) }))
  const progress = /^progress-(\d+)$/.exec(script)
  if (progress !== null) {
    const total = Number(progress[1])
    return Effect.forEach(
      Array.from({ length: total }, (_, i) => i + 1),
      (done) => reportProgress(done, total).pipe(Effect.andThen(Effect.sleep(100))),
      { discard: true }
    ).pipe(Effect.as({ steps: total }))
  }
  switch (script) {
    case "fail-retryable":
      return Effect.fail(new RetryableJobError({ code: "TEST_RETRYABLE", message: `attempt ${attempt} failed` }))
    case "fail-terminal":
      return Effect.fail(new TerminalJobError({ code: "TEST_TERMINAL", message: "this will never work" }))
    case "hang":
      return Effect.never.pipe(Effect.ensuring(Effect.sync(() => emit({ ev: "finalized", job: command.job_id }))))
    default:
      return Effect.fail(new TerminalJobError({ code: "TEST_UNKNOWN_SCRIPT", message: script }))
  }
}

/** Only `ingest_event` commands carry a script; the other kinds are not used by queue tests. */
const unscripted = (command: { readonly kind: string }) =>
  Effect.fail(new TerminalJobError({ code: "TEST_UNSCRIPTED", message: `no test script for ${command.kind} jobs` }))

export const TestHandlers = Layer.succeed(
  JobHandlers,
  JobHandlers.fromMap({
    sync_tracks: unscripted,
    sync_events: unscripted,
    discover_practice: unscripted,
    sync_followed_events: unscripted,
    ingest_recent: unscripted,
    ingest_event: (command, context) =>
      command.track_slug === "noop" ? Effect.succeed({}) : Effect.gen(function*() {
        emit({ ev: "start", job: command.job_id, attempt: context.attempt, event: command.event_id })
        const result = yield* scripted(
          command,
          context.attempt,
          (done, total) => context.reportProgress("step", done, total)
        )
        emit({ ev: "end", job: command.job_id, attempt: context.attempt })
        return result
      })
  })
)
