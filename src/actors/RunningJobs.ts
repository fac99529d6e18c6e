import { Deferred, Effect, Exit, Option } from "effect"
import { touched } from "../jobs/JobTransitions.ts"
import { covers } from "../jobs/JobUpgrade.ts"
import { supervisedLoop } from "../observability/Supervision.ts"
import type { Delivery } from "../queue/Delivery.ts"
import type { JobStatusStore } from "../queue/JobStatusStore.ts"
import { now, type RunningJob, transition } from "./RunningJob.ts"
import type { StopReason } from "./Settlement.ts"

/**
 * The jobs this process runs, and what keeps them alive while they run: one ticker for all of
 * them (no fiber per job) that sends `working()` for each delivery, notices a cancel whose signal
 * was missed (or an upgrade's), and rewrites a status before it can expire; and one that writes `running` for the
 * jobs that have run long enough to show it.
 */

/**
 * How long a job runs before its status says `running` (give or take a tick). Most jobs are done
 * sooner; for them this saves a status write per job (bench:queue).
 */
export const RUNNING_AFTER_MILLIS = 200
const RUNNING_TICK = "100 millis"

export interface RunningJobsSettings {
  readonly ackWaitMillis: number
}

export interface RunningJobs {
  /**
   * A redelivery of a job this process is running (it stalled past the ack wait, or an ack got
   * lost): the running job answers on the newest delivery from now on, and no second run starts.
   * False when the job does not run here.
   */
  readonly adopt: (jobId: string, delivery: Delivery) => boolean
  /** Runs `body` with `job` registered; the job leaves the registry when the body ends. */
  readonly register: <A, E, R>(job: RunningJob, body: Effect.Effect<A, E, R>) => Effect.Effect<A, E, R>
  /** Status -> running (CAS), once per job; a cancel found on the way stops the job. */
  readonly markRunning: (job: RunningJob) => Effect.Effect<void>
  /** Interrupts the job if it runs here. */
  readonly signal: (jobId: string, reason: StopReason) => Effect.Effect<void>
  /** Marks the job, if it runs here, as raised (JobUpgrade): it reads its status before completing. */
  readonly raise: (jobId: string) => Effect.Effect<void>
  /** Interrupts every job running here, and any that registers from now on. */
  readonly stopAll: (reason: StopReason) => Effect.Effect<void>
  /** Why new jobs must stop at once (after stopAll), if they must. */
  readonly stopping: () => StopReason | undefined
  readonly size: () => number
  /** Keeps every running job alive; run it for the pool's lifetime. */
  readonly heartbeats: Effect.Effect<never>
}

export const makeRunningJobs = (store: JobStatusStore["Service"], settings: RunningJobsSettings): RunningJobs => {
  const registry = new Map<string, RunningJob>()
  let stoppingAll: StopReason | undefined

  // working() keeps the delivery ours; a status rewritten at least once an ack wait tells the
  // dead-letter sweep that somebody still holds the job (a live status itself never expires).
  const heartbeatMillis = Math.max(100, settings.ackWaitMillis / 3)
  const touchAfterMillis = settings.ackWaitMillis

  const interrupt = (job: RunningJob, reason: StopReason) => {
    if (job.stopReason !== undefined) return
    job.stopReason = reason
    job.fiber?.interruptUnsafe()
  }

  const markRunning = (job: RunningJob): Effect.Effect<void> =>
    Effect.suspend(() => {
      if (job.runningMark !== undefined) return job.runningMark
      const marked = Deferred.makeUnsafe<void>()
      job.runningMark = Deferred.await(marked)
      // Once the job has left the registry its outcome is being written (this may run on the
      // ticker, beside the settler): a late `running` must not land over it.
      return transition(store, job, (running) => registry.get(job.jobId) === job ? running : undefined).pipe(
        Effect.flatMap((result) =>
          Option.isSome(result) && !result.value.changed && result.value.status.status === "cancelled"
            ? Effect.sync(() => interrupt(job, "cancelled"))
            : Effect.void
        ),
        Effect.catch((failure) => Effect.logWarning(`running status of job ${job.jobId} not stored: ${failure.message}`)),
        Effect.ensuring(Deferred.done(marked, Exit.void))
      )
    })

  /** A running job's status that no longer decodes is written again from what this actor last stored. */
  const repair = (job: RunningJob, revision: number) =>
    Effect.gen(function*() {
      const known = job.latest === undefined ? undefined : touched(job.latest.status, now())
      if (known === undefined) return
      yield* Effect.logWarning(`status of running job ${job.jobId} does not decode; writing it again`)
      const written = yield* store.update(known, revision)
      if (Option.isSome(written)) job.latest = { status: known, revision: written.value, writtenAt: new Date() }
    })

  const heartbeatTick = Effect.gen(function*() {
    const jobs = [...registry.values()]
    for (const job of jobs) job.delivery.working()
    yield* Effect.forEach(jobs, (job) =>
      Effect.gen(function*() {
        const current = yield* store.get(job.jobId).pipe(
          Effect.catchTag("CorruptStatus", (corrupt) => repair(job, corrupt.revision).pipe(Effect.as(Option.none())))
        )
        if (Option.isNone(current)) return
        const { revision, status, writtenAt } = current.value
        if (status.status === "cancelled") {
          interrupt(job, "cancelled")
          return
        }
        if (status.attempts > job.delivery.deliveryCount) {
          // Another worker took a later delivery of this message while this one was stalled.
          interrupt(job, "superseded")
          return
        }
        if (!covers(job.command, status.params)) job.raised = true
        if (Date.now() - writtenAt.getTime() >= touchAfterMillis) {
          const refreshed = touched(status, now())
          if (refreshed === undefined) return
          const written = yield* store.update(refreshed, revision)
          if (Option.isSome(written)) job.latest = { status: refreshed, revision: written.value, writtenAt: new Date() }
        }
      }).pipe(Effect.catch((failure) => Effect.logWarning(`heartbeat of job ${job.jobId}: ${failure.message}`))), {
      concurrency: 16,
      discard: true
    })
  })

  const runningTick = Effect.suspend(() => {
    const due = Date.now() - RUNNING_AFTER_MILLIS
    const jobs = [...registry.values()].filter((job) => job.runningMark === undefined && job.startedAt <= due)
    return Effect.forEach(jobs, markRunning, { concurrency: 16, discard: true })
  })

  const heartbeats = Effect.forkChild(supervisedLoop("running-status ticker", Effect.sleep(RUNNING_TICK).pipe(Effect.andThen(runningTick))))
    .pipe(
      Effect.andThen(supervisedLoop("job heartbeat", Effect.sleep(heartbeatMillis).pipe(Effect.andThen(heartbeatTick))))
    )

  return {
    adopt: (jobId, delivery) => {
      const job = registry.get(jobId)
      if (job === undefined || job.delivery.seq !== delivery.seq) return false
      if (delivery.deliveryCount > job.delivery.deliveryCount) {
        job.delivery = delivery
        delivery.working()
      }
      return true
    },
    register: (job, body) =>
      Effect.suspend(() => {
        registry.set(job.jobId, job)
        return body.pipe(Effect.ensuring(Effect.sync(() => {
          if (registry.get(job.jobId) === job) registry.delete(job.jobId)
        })))
      }),
    markRunning,
    signal: (jobId, reason) =>
      Effect.sync(() => {
        const job = registry.get(jobId)
        if (job !== undefined) interrupt(job, reason)
      }),
    raise: (jobId) =>
      Effect.sync(() => {
        const job = registry.get(jobId)
        if (job !== undefined) job.raised = true
      }),
    stopAll: (reason) =>
      Effect.sync(() => {
        stoppingAll = reason
        for (const job of registry.values()) interrupt(job, reason)
      }),
    stopping: () => stoppingAll,
    size: () => registry.size,
    heartbeats
  }
}
