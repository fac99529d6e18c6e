import { Context, type Effect, Schema } from "effect"
import type { Command, JobId } from "../jobs/Commands.ts"
import type { JobStatus } from "../jobs/JobStatus.ts"
import type { CorruptStatus } from "./JobStatusStore.ts"

/**
 * The queue as gateways and the CLI see it: enqueue with dedupe, read a job in O(1), cancel.
 * Implemented on JetStream (`JetStreamJobQueue.ts`); every replica of every process sees the
 * same jobs.
 */

export class QueueFull extends Schema.TaggedError<QueueFull>()("QueueFull", {
  retryAfterSeconds: Schema.Int
}) {
  override get message() {
    return `the ingest queue is full; retry after ${this.retryAfterSeconds} s`
  }
}

export class QueueUnavailable extends Schema.TaggedError<QueueUnavailable>()("QueueUnavailable", {
  reason: Schema.String
}) {
  override get message() {
    return `the ingest queue is unavailable: ${this.reason}`
  }
}

export class JobNotFound extends Schema.TaggedError<JobNotFound>()("JobNotFound", {
  jobId: Schema.String
}) {
  override get message() {
    return `no job ${this.jobId} (unknown, or finished longer ago than the status TTL)`
  }
}

export class JobAlreadyFinished extends Schema.TaggedError<JobAlreadyFinished>()("JobAlreadyFinished", {
  jobId: Schema.String,
  status: Schema.String
}) {
  override get message() {
    return `job ${this.jobId} already finished (${this.status})`
  }
}

export interface EnqueueResult {
  /** The job that now exists for the command's dedupe key: the new one, or the live one it matched. */
  readonly job: JobStatus
  readonly deduplicated: boolean
  /**
   * The live job was raised to do what this command asks for more (a deeper depth, force); the
   * worker running it does that before it completes.
   */
  readonly upgraded: boolean
}

export class JobQueue extends Context.Service<JobQueue, {
  readonly enqueue: (command: Command) => Effect.Effect<EnqueueResult, QueueFull | QueueUnavailable>
  readonly get: (jobId: JobId) => Effect.Effect<JobStatus, JobNotFound | CorruptStatus | QueueUnavailable>
  readonly cancel: (
    jobId: JobId
  ) => Effect.Effect<JobStatus, JobNotFound | JobAlreadyFinished | CorruptStatus | QueueUnavailable>
}>()("liverc-ingest/queue/JobQueue") {}
