import { Cause, Deferred, Effect, Exit, Fiber, Option, Schema } from "effect"
import { type Command, decodeCommandJson, JobId } from "../jobs/Commands.ts"
import { isTerminal, type JobStatus } from "../jobs/JobStatus.ts"
import {
  queuedStatus,
  toCancelled,
  toCompleted,
  toFailed,
  toRequeued,
  toRetrying,
  toRunning,
  touched
} from "../jobs/JobTransitions.ts"
import { type JobOutcome, recordDelivery, recordJob } from "../observability/WorkerMetrics.ts"
import { DeadLetter } from "../streams/DeadLetter.ts"
import type { Delivery } from "../streams/Delivery.ts"
import { IngestStreams } from "../streams/IngestStreams.ts"
import type { JetStreamFailure } from "../streams/JetStreamFailure.ts"
import { JobStatusStore, type StoredStatus } from "../streams/JobStatusStore.ts"
import { type JobContext, type JobFailure, JobHandlers, type JobResult } from "./JobHandler.ts"
import { retryDelayMillis, WorkerSettings } from "./WorkerSettings.ts"

/**
 * What an actor does with one delivery: decode, claim (read the status: may it run?), run the
 * handler in its own fiber and scope while `heartbeats` keeps the delivery and the status alive,
 * and settle the message according to the outcome. Never fails: whatever goes wrong ends in an
 * ack, nak or term, and a log line.
 *
 * The status says `running` once the job has run for RUNNING_AFTER_MILLIS or reports progress
 * (on the last delivery, before it runs); a job done sooner goes from queued to its outcome in one
 * CAS write. Every transition below starts from `running` (attempt counted), so the outcome is the
 * same whether that write happened or not.
 *
 * | outcome                             | status                    | message                      |
 * |-------------------------------------|---------------------------|------------------------------|
 * | success                             | completed (+ result)      | ack                          |
 * | retryable, deliveries left          | queued (+ error)          | nak(exponential backoff)     |
 * | retryable on the last delivery      | failed                    | copy to INGEST_DLQ, term     |
 * | terminal                            | failed                    | copy to INGEST_DLQ, term     |
 * | cancel (signal, or status on beat)  | cancelled                 | handler interrupted, term    |
 * | shutdown after the grace period     | queued                    | handler interrupted, nak now |
 * | invalid command                     | failed if it has a job id | copy to INGEST_DLQ, term     |
 */

export type StopReason = "cancelled" | "shutdown"

export interface ConsumerActor {
  readonly handle: (delivery: Delivery) => Effect.Effect<void>
  /** Interrupts the job if it runs here (cancel signal). */
  readonly signal: (jobId: string, reason: StopReason) => Effect.Effect<void>
  /** Interrupts every job running here (shutdown after the grace period). */
  readonly stopAll: (reason: StopReason) => Effect.Effect<void>
  readonly running: () => number
  /**
   * Keeps every running job alive (working + status touch) and shows it `running` once it has run
   * a while; run it for the pool's lifetime.
   */
  readonly heartbeats: Effect.Effect<never>
}

interface RunningJob {
  readonly jobId: string
  readonly command: Command
  readonly delivery: Delivery
  /** The status as this actor last wrote or read it: the first CAS of a transition starts here. */
  latest: StoredStatus | undefined
  readonly startedAt: number
  /** Set once the running write was started (or was not needed); resolves when it is stored. */
  runningMark: Effect.Effect<void> | undefined
  stopReason: StopReason | undefined
  fiber: Fiber.Fiber<JobResult, JobFailure> | undefined
}

type Outcome =
  | { readonly _tag: "Finished"; readonly exit: Exit.Exit<JobResult, JobFailure> }
  | { readonly _tag: "Stopped"; readonly reason: StopReason }

const now = () => new Date().toISOString()

/**
 * How long a job runs before its status says `running` (give or take a tick). Most jobs are done
 * sooner; for them this saves a status write per job (bench:queue).
 */
const RUNNING_AFTER_MILLIS = 200
const RUNNING_TICK = "100 millis"

const firstLine = (text: string) => text.split("\n")[0] ?? text

const isJobId = Schema.is(JobId)

/** The job id of a command that failed validation, if it carries a usable one. */
const salvageJobId = (text: string): string | undefined => {
  try {
    const parsed: unknown = JSON.parse(text)
    const id = typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>)["job_id"] : undefined
    return isJobId(id) ? id : undefined
  } catch {
    return undefined
  }
}

const describeCause = (cause: Cause.Cause<unknown>) => firstLine(Cause.pretty(cause)).slice(0, 500)

/** Every log line about a job names it; ids go to logs, never to metric labels. */
const jobAnnotations = (command: Command, delivery: Delivery) => ({
  job_id: command.job_id,
  kind: command.kind,
  attempt: delivery.deliveryCount,
  ...("event_id" in command ? { event_id: command.event_id } : {})
})

export const makeConsumerActor = Effect.gen(function*() {
  const { topology } = yield* IngestStreams
  const store = yield* JobStatusStore
  const deadLetter = yield* DeadLetter
  const handlers = yield* JobHandlers
  const settings = yield* WorkerSettings
  const { ackWaitMillis, jobTtlMillis, maxDeliver } = topology.settings
  const registry = new Map<string, RunningJob>()
  // Once everything was told to stop, a job still claiming stops as soon as it registers.
  let stoppingAll: StopReason | undefined

  // working() keeps the delivery ours; the status rewrite keeps it from expiring (2.9 TTL) and
  // tells the dead-letter sweep that somebody still holds the job.
  const heartbeatMillis = Math.max(100, Math.min(ackWaitMillis, jobTtlMillis) / 3)
  const touchAfterMillis = Math.min(jobTtlMillis / 3, ackWaitMillis)

  const poison = (delivery: Delivery, text: string, reason: string) =>
    Effect.gen(function*() {
      const failure = { code: "INVALID_COMMAND", message: `invalid command on ${delivery.subject}: ${reason}` }
      const jobId = salvageJobId(text)
      if (jobId !== undefined) {
        yield* store.modify(jobId, (s) => toFailed(s, failure.code, failure.message, now()))
      }
      yield* deadLetter.fromDelivery(delivery, { ...failure, attempts: delivery.deliveryCount })
    })

  /** A delivery for a job that already ended: make the message go away for good. */
  const settleFinished = (status: JobStatus, delivery: Delivery) =>
    status.status === "completed"
      ? Effect.sync(() => delivery.ack())
      : status.status === "failed"
      // It failed, but the copy to the DLQ or the term did not happen (worker died in between).
      ? deadLetter.fromDelivery(delivery, {
        code: status.error_code ?? "FAILED",
        message: status.error_message ?? "failed",
        attempts: delivery.deliveryCount
      })
      : Effect.sync(() => delivery.term())

  /**
   * The status the job starts from (the running write comes later, see markRunning). None when
   * the job must not run (finished or cancelled already).
   */
  const claim = (command: Command, delivery: Delivery): Effect.Effect<Option.Option<StoredStatus>, JetStreamFailure> =>
    Effect.gen(function*() {
      const attempt = delivery.deliveryCount
      while (true) {
        const read = yield* store.get(command.job_id)
        let current: StoredStatus
        if (Option.isSome(read)) {
          current = read.value
        } else {
          // No status yet: the enqueuer is still writing it, or it was lost. Write what it would
          // have (its own create then fails and it answers with ours), or read the one that won.
          const queued = queuedStatus(command, delivery.seq, now())
          const created = yield* store.create(queued)
          if (Option.isNone(created)) continue
          current = { status: queued, revision: created.value, writtenAt: new Date() }
        }
        if (isTerminal(current.status.status)) {
          yield* settleFinished(current.status, delivery)
          return Option.none()
        }
        if (attempt < maxDeliver) return Option.some(current)
        // The last delivery records its attempt before the job runs: should this worker die, the
        // dead-letter sweep learns from the status that no delivery is left.
        const result = yield* store.modify(command.job_id, (s) => toRunning(s, attempt, now()), current)
        if (Option.isNone(result)) continue
        if (result.value.changed) return Option.some<StoredStatus>(result.value)
        yield* settleFinished(result.value.status, delivery)
        return Option.none()
      }
    })

  const transition = (job: RunningJob, f: (current: JobStatus) => JobStatus | undefined) =>
    store.modify(job.jobId, (current) => {
      const running = toRunning(current, job.delivery.deliveryCount, now())
      return running === undefined ? undefined : f(running)
    }, job.latest).pipe(
      Effect.tap((result) =>
        Effect.sync(() => {
          if (Option.isSome(result)) job.latest = result.value
        })
      )
    )

  const failTerminally = (job: RunningJob, code: string, message: string) =>
    Effect.gen(function*() {
      const result = yield* transition(job, (s) => toFailed(s, code, message, now()))
      if (Option.isSome(result) && !result.value.changed && result.value.status.status !== "failed") {
        // Cancelled meanwhile: cancel wins, nothing to keep.
        job.delivery.term()
        return "cancelled" satisfies JobOutcome
      }
      yield* deadLetter.fromDelivery(job.delivery, { code, message, attempts: job.delivery.deliveryCount })
      return "failed" satisfies JobOutcome
    })

  const retryLater = (job: RunningJob, code: string, message: string) =>
    Effect.gen(function*() {
      const result = yield* transition(job, (s) => toRetrying(s, code, message, now()))
      if (Option.isSome(result) && !result.value.changed) {
        job.delivery.term()
        return "cancelled" satisfies JobOutcome
      }
      const attempt = job.delivery.deliveryCount
      const delay = retryDelayMillis(settings, attempt)
      job.delivery.nak(delay)
      yield* Effect.logWarning(`job ${job.jobId} attempt ${attempt} failed (${code}); retry in ${delay} ms`)
      return "retried" satisfies JobOutcome
    })

  const failed = (job: RunningJob, failure: { readonly code: string; readonly message: string }, retryable: boolean) => {
    const attempt = job.delivery.deliveryCount
    return retryable && attempt < maxDeliver
      ? retryLater(job, failure.code, failure.message)
      : failTerminally(
        job,
        failure.code,
        retryable ? `${failure.message} (gave up after ${attempt} deliveries)` : failure.message
      )
  }

  /** Settles the message and the status; returns how the run ended, for the duration metric. */
  const settle = (job: RunningJob, outcome: Outcome) =>
    Effect.gen(function*() {
      const { delivery, jobId } = job
      if (outcome._tag === "Stopped") {
        if (outcome.reason === "cancelled") {
          yield* transition(job, (s) => toCancelled(s, now()))
          delivery.term()
          yield* Effect.logInfo(`job ${jobId} cancelled while running`)
          return "cancelled" satisfies JobOutcome
        }
        yield* transition(job, (s) => toRequeued(s, now()))
        delivery.nak()
        yield* Effect.logInfo(`job ${jobId} handed back at shutdown`)
        return "requeued" satisfies JobOutcome
      }
      const exit = outcome.exit
      if (Exit.isSuccess(exit)) {
        const result = yield* transition(job, (s) => toCompleted(s, exit.value, now()))
        if (Option.isSome(result) && !result.value.changed && result.value.status.status === "cancelled") {
          delivery.term()
          return "cancelled" satisfies JobOutcome
        }
        delivery.ack()
        return "completed" satisfies JobOutcome
      }
      const error = Cause.findErrorOption(exit.cause)
      if (Option.isSome(error)) {
        return yield* failed(job, error.value, error.value._tag === "RetryableJobError")
      }
      // A defect is a bug or an unexpected exception: worth another try, and a loud log.
      yield* Effect.logError(`job ${jobId} crashed`, exit.cause)
      return yield* failed(job, { code: "INTERNAL_ERROR", message: describeCause(exit.cause) }, true)
    })

  /**
   * One ticker for all jobs running here (no fiber per job): working() for each, then a status
   * read that notices a cancel whose signal was missed and rewrites the status before it can
   * expire.
   */
  const heartbeatTick = Effect.gen(function*() {
    const jobs = [...registry.values()]
    for (const job of jobs) job.delivery.working()
    yield* Effect.forEach(jobs, (job) =>
      Effect.gen(function*() {
        const current = yield* store.get(job.jobId)
        if (Option.isNone(current)) return
        const { revision, status, writtenAt } = current.value
        if (status.status === "cancelled") {
          interrupt(job, "cancelled")
          return
        }
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

  /** Likewise one ticker writes `running` for the jobs that have run long enough to show it. */
  const runningTick = Effect.suspend(() => {
    const due = Date.now() - RUNNING_AFTER_MILLIS
    const jobs = [...registry.values()].filter((job) => job.runningMark === undefined && job.startedAt <= due)
    return Effect.forEach(jobs, markRunning, { concurrency: 16, discard: true })
  })

  const heartbeats = Effect.forkChild(Effect.forever(Effect.sleep(RUNNING_TICK).pipe(Effect.andThen(runningTick)))).pipe(
    Effect.andThen(Effect.forever(Effect.sleep(heartbeatMillis).pipe(Effect.andThen(heartbeatTick))))
  )

  const interrupt = (job: RunningJob, reason: StopReason) => {
    if (job.stopReason !== undefined) return
    job.stopReason = reason
    job.fiber?.interruptUnsafe()
  }

  /** Status -> running (CAS), once per job; a cancel found on the way stops the job. */
  const markRunning = (job: RunningJob): Effect.Effect<void> =>
    Effect.suspend(() => {
      if (job.runningMark !== undefined) return job.runningMark
      const marked = Deferred.makeUnsafe<void>()
      job.runningMark = Deferred.await(marked)
      // Once the job has left the registry its outcome is being written (this may run on the
      // ticker, beside settle): a late `running` must not land over it.
      return transition(job, (running) => registry.get(job.jobId) === job ? running : undefined).pipe(
        Effect.flatMap((result) =>
          Option.isSome(result) && !result.value.changed && result.value.status.status === "cancelled"
            ? Effect.sync(() => interrupt(job, "cancelled"))
            : Effect.void
        ),
        Effect.catch((failure) => Effect.logWarning(`running status of job ${job.jobId} not stored: ${failure.message}`)),
        Effect.ensuring(Deferred.done(marked, Exit.void))
      )
    })

  const run = (job: RunningJob) =>
    Effect.gen(function*() {
      const { command, delivery } = job
      const progress = yield* store.progressWriter(command.job_id)
      const context: JobContext = {
        jobId: command.job_id,
        attempt: delivery.deliveryCount,
        // Progress is stored on a running status only.
        reportProgress: (stage, done, total) =>
          markRunning(job).pipe(Effect.andThen(progress.report({ stage, done, total })))
      }
      // The handler's own fiber and scope: interrupting it closes the scope and every child.
      const handler = yield* Effect.forkChild(Effect.scoped(handlers.run(command, context)))
      job.fiber = handler
      if (job.stopReason !== undefined) handler.interruptUnsafe()
      const exit = yield* Fiber.await(handler).pipe(Effect.ensuring(progress.flush))
      const stopped = job.stopReason !== undefined && Exit.isFailure(exit) && Cause.hasInterrupts(exit.cause)
      return stopped ? { _tag: "Stopped", reason: job.stopReason! } satisfies Outcome : { _tag: "Finished", exit } satisfies Outcome
    })

  const process_ = (delivery: Delivery) =>
    Effect.gen(function*() {
      const text = delivery.text()
      const decoded = yield* decodeCommandJson(text).pipe(Effect.result)
      if (decoded._tag === "Failure") {
        // The whole schema message on one line: the reason and the path (`at ["event_id"]`).
        yield* poison(delivery, text, decoded.failure.message.replace(/\s+/g, " ").slice(0, 300))
        return
      }
      yield* runCommand(decoded.success, delivery).pipe(Effect.annotateLogs(jobAnnotations(decoded.success, delivery)))
    })

  const runCommand = (command: Command, delivery: Delivery) =>
    Effect.gen(function*() {
      const claimed = yield* claim(command, delivery)
      if (Option.isNone(claimed)) return
      const startedAt = Date.now()
      yield* Effect.logDebug("job started")
      const job: RunningJob = {
        jobId: command.job_id,
        command,
        delivery,
        latest: claimed.value,
        startedAt,
        // Claimed on the last delivery, by writing `running`: nothing left to mark.
        runningMark: claimed.value.status.status === "running" && claimed.value.status.attempts === delivery.deliveryCount
          ? Effect.void
          : undefined,
        stopReason: stoppingAll,
        fiber: undefined
      }
      registry.set(command.job_id, job)
      const outcome = yield* run(job).pipe(Effect.ensuring(Effect.sync(() => registry.delete(command.job_id))))
      const ended = yield* settle(job, outcome)
      const seconds = (Date.now() - startedAt) / 1000
      recordJob(command.kind, ended, seconds)
      yield* Effect.logDebug(`job ${ended} after ${seconds.toFixed(3)} s`)
    })

  const handle = (delivery: Delivery): Effect.Effect<void> =>
    Effect.sync(() => recordDelivery(delivery.deliveryCount)).pipe(
      Effect.andThen(process_(delivery)),
      Effect.catch((failure) =>
        Effect.gen(function*() {
          // The broker did not answer; the job will be tried again.
          delivery.nak(1000)
          yield* Effect.logWarning(`delivery ${delivery.subject} seq ${delivery.seq} handed back: ${failure.message}`)
        })
      ),
      Effect.catchCause((cause) =>
        Cause.hasInterruptsOnly(cause)
          ? Effect.sync(() => delivery.nak()).pipe(Effect.andThen(Effect.interrupt))
          : Effect.sync(() => delivery.nak(1000)).pipe(
            Effect.andThen(Effect.logError(`delivery ${delivery.subject} seq ${delivery.seq} crashed the actor`, cause))
          )
      ),
      Effect.annotateLogs({ subject: delivery.subject, seq: delivery.seq })
    )

  const signal = (jobId: string, reason: StopReason) =>
    Effect.sync(() => {
      const job = registry.get(jobId)
      if (job !== undefined) interrupt(job, reason)
    })

  const stopAll = (reason: StopReason) =>
    Effect.sync(() => {
      stoppingAll = reason
      for (const job of registry.values()) interrupt(job, reason)
    })

  return { handle, signal, stopAll, heartbeats, running: () => registry.size } satisfies ConsumerActor
})

