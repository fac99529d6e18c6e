import { Effect, type Fiber, Option } from "effect"
import type { Command } from "../jobs/Commands.ts"
import type { JobStatus } from "../jobs/JobStatus.ts"
import { toRunning } from "../jobs/JobTransitions.ts"
import type { Delivery } from "../queue/Delivery.ts"
import type { JobStatusStore, Modified, StatusStoreFailure, StoredStatus } from "../queue/JobStatusStore.ts"
import type { JobFailure, JobResult } from "./JobHandler.ts"
import type { StopReason } from "./Settlement.ts"

/** A job an actor of this process runs: what the heartbeat, a cancel and the settler act on. */
export interface RunningJob {
  readonly jobId: string
  /** What runs: the delivery's command, raised to what its status asks for (JobUpgrade). */
  command: Command
  /** The newest delivery of the job's message this process holds (see RunningJobs.adopt). */
  delivery: Delivery
  /** The status as this actor last wrote or read it: the first CAS of a transition starts here. */
  latest: StoredStatus | undefined
  readonly startedAt: number
  /** Set once the running write was started (or was not needed); resolves when it is stored. */
  runningMark: Effect.Effect<void> | undefined
  stopReason: StopReason | undefined
  /**
   * Its status may have been raised (an upgrade signal, or a heartbeat that read raised params):
   * read it again before completing. A missed signal is caught by the completion's CAS.
   */
  raised: boolean
  fiber: Fiber.Fiber<JobResult, JobFailure> | undefined
}

export const now = () => new Date().toISOString()

/**
 * A status change made by the actor that holds the delivery. Every one starts from `running` with
 * this delivery's attempt counted, so the outcome is the same whether the `running` write itself
 * happened (jobs done quickly skip it) or not.
 */
export const transition = (
  store: JobStatusStore["Service"],
  job: RunningJob,
  f: (current: JobStatus) => JobStatus | undefined
): Effect.Effect<Option.Option<Modified>, StatusStoreFailure> =>
  store.modify(job.jobId, (current) => {
    // A later delivery holds the job (this worker stalled past the ack wait): not ours to write.
    if (current.attempts > job.delivery.deliveryCount) return undefined
    const running = toRunning(current, job.delivery.deliveryCount, now())
    return running === undefined ? undefined : f(running)
  }, job.latest).pipe(
    Effect.tap((result) =>
      Effect.sync(() => {
        if (Option.isSome(result)) job.latest = result.value
      })
    )
  )
