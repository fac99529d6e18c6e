import { Schema } from "effect"
import { JobId, JobKind } from "./Commands.ts"

export const JobState = Schema.Literals(["queued", "running", "completed", "failed", "cancelled"])
export type JobState = typeof JobState.Type

/**
 * Whether the status belongs to the message at stream sequence `seq`. A job's status is touched
 * only by the delivery of its own message: a command published by hand that reuses the job id
 * (whatever it carries) must never move another job. A status from before sequences were stored
 * (null) is taken to be its message's.
 */
export const ownsMessage = (status: JobStatus, seq: number): boolean => status.stream_seq === null || status.stream_seq === seq

export const isTerminal = (state: JobState): boolean =>
  state === "completed" || state === "failed" || state === "cancelled"

export const JobProgress = Schema.Struct({
  stage: Schema.String,
  done: Schema.Int,
  total: Schema.NullOr(Schema.Int)
})
export type JobProgress = typeof JobProgress.Type

/**
 * The job document in the `ingest_jobs` KV bucket (key = job id). Field names are snake_case
 * because this is the wire format the existing UI polls.
 */
export const JobStatus = Schema.Struct({
  job_id: JobId,
  kind: JobKind,
  status: JobState,
  attempts: Schema.Int,
  created_at: Schema.String,
  updated_at: Schema.String,
  /** Only while queued; computed on read from stream sequence numbers, never stored. */
  queue_position: Schema.optionalKey(Schema.NullOr(Schema.Int)),
  progress: Schema.NullOr(JobProgress),
  result: Schema.NullOr(Schema.Record(Schema.String, Schema.Unknown)),
  error_code: Schema.NullOr(Schema.String),
  error_message: Schema.NullOr(Schema.String),
  /** What the job works on, e.g. {event_id, track_slug, depth}. */
  params: Schema.Record(Schema.String, Schema.Unknown),
  /** Stream sequence of the command in INGEST; the O(1) queue position is derived from it. */
  stream_seq: Schema.NullOr(Schema.Int),
  /** Set when a cancel was requested; the worker running it interrupts the job. */
  cancel_requested: Schema.optionalKey(Schema.Boolean),
  /**
   * Only while LiveRC traffic is paused (the kill switch) and the job waits on it: when the pause
   * began. Computed on read, never stored.
   */
  paused_since: Schema.optionalKey(Schema.String)
})
export type JobStatus = typeof JobStatus.Type

/**
 * A live job as a reader should see it while LiveRC traffic is paused since `since`: held by the
 * pause (a running job in its write stage needs no LiveRC and is not). Finished jobs are as stored.
 */
export const noticePause = (status: JobStatus, since: Date | null): JobStatus =>
  since !== null && (status.status === "queued" || (status.status === "running" && status.progress?.stage !== "write"))
    ? { ...status, paused_since: since.toISOString() }
    : status
