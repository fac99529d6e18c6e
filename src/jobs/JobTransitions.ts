import type { Command } from "./Commands.ts"
import { isTerminal, type JobProgress, type JobStatus } from "./JobStatus.ts"

/**
 * The job status state machine as pure functions. Each returns the next document, or `undefined`
 * when the transition is not allowed from the current one (callers then write nothing): a
 * finished job is never reopened, so a late worker can never overwrite a cancel.
 */

/** What the job works on, without the envelope (`v`, `job_id`, `kind`, `requested_at`). */
export const commandParams = (command: Command): Record<string, unknown> => {
  const { v: _v, job_id: _id, kind: _kind, requested_at: _at, ...params } = command as Command & {
    requested_at?: string
  }
  return params
}

export const queuedStatus = (command: Command, streamSeq: number | null, now: string): JobStatus => ({
  job_id: command.job_id,
  kind: command.kind,
  status: "queued",
  attempts: 0,
  created_at: now,
  updated_at: now,
  progress: null,
  result: null,
  error_code: null,
  error_message: null,
  params: commandParams(command),
  stream_seq: streamSeq
})

export const toRunning = (current: JobStatus, attempt: number, now: string): JobStatus | undefined =>
  isTerminal(current.status) ? undefined : { ...current, status: "running", attempts: attempt, updated_at: now }

/** A retryable failure: back in the queue with the error, until the next delivery. */
export const toRetrying = (current: JobStatus, code: string, message: string, now: string): JobStatus | undefined =>
  isTerminal(current.status)
    ? undefined
    : { ...current, status: "queued", error_code: code, error_message: message, updated_at: now }

/** Interrupted by a worker shutdown: queued again for immediate redelivery, no error. */
export const toRequeued = (current: JobStatus, now: string): JobStatus | undefined =>
  isTerminal(current.status) ? undefined : { ...current, status: "queued", updated_at: now }

export const toCompleted = (
  current: JobStatus,
  result: Record<string, unknown>,
  now: string
): JobStatus | undefined =>
  isTerminal(current.status)
    ? undefined
    : { ...current, status: "completed", result, error_code: null, error_message: null, updated_at: now }

export const toFailed = (current: JobStatus, code: string, message: string, now: string): JobStatus | undefined =>
  isTerminal(current.status)
    ? undefined
    : { ...current, status: "failed", error_code: code, error_message: message, updated_at: now }

export const toCancelled = (current: JobStatus, now: string): JobStatus | undefined =>
  isTerminal(current.status)
    ? undefined
    : { ...current, status: "cancelled", cancel_requested: true, updated_at: now }

export const withProgress = (current: JobStatus, progress: JobProgress, now: string): JobStatus | undefined =>
  current.status === "running" ? { ...current, progress, updated_at: now } : undefined

/** A live status unchanged but for `updated_at`: proof of life for the dead-letter sweep. */
export const touched = (current: JobStatus, now: string): JobStatus | undefined =>
  isTerminal(current.status) ? undefined : { ...current, updated_at: now }
