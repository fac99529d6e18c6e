import { Cause, Effect, Exit, Fiber, Option, Schema } from "effect"
import { type Command, decodeCommandJson, JobId } from "../jobs/Commands.ts"
import type { JobStatus } from "../jobs/JobStatus.ts"
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
import { DeadLetter } from "../streams/DeadLetter.ts"
import type { Delivery } from "../streams/Delivery.ts"
import { IngestStreams } from "../streams/IngestStreams.ts"
import type { JetStreamFailure } from "../streams/JetStreamFailure.ts"
import { JobStatusStore, type StoredStatus } from "../streams/JobStatusStore.ts"
import { type JobContext, type JobFailure, JobHandlers, type JobResult } from "./JobHandler.ts"
import { retryDelayMillis, WorkerSettings } from "./WorkerSettings.ts"

/**
 * What an actor does with one delivery: decode, claim (status -> running by CAS), run the handler
 * in its own fiber and scope while `heartbeats` keeps the delivery and the status alive, and
 * settle the message according to the outcome. Never fails: whatever goes wrong ends in an ack,
 * nak or term, and a log line.
 *
 * | outcome                             | status                    | message                      |
 * |-------------------------------------|---------------------------|------------------------------|
 * | success                             | completed (+ result)      | ackAck                       |
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
  /** Keeps every running job alive (working + status touch); run it for the pool's lifetime. */
  readonly heartbeats: Effect.Effect<never>
}

interface RunningJob {
  readonly jobId: string
  readonly command: Command
  readonly delivery: Delivery
  /** The status as this actor last wrote or read it: the first CAS of a transition starts here. */
  latest: StoredStatus | undefined
  stopReason: StopReason | undefined
  fiber: Fiber.Fiber<JobResult, JobFailure> | undefined
}

type Outcome =
  | { readonly _tag: "Finished"; readonly exit: Exit.Exit<JobResult, JobFailure> }
  | { readonly _tag: "Stopped"; readonly reason: StopReason }

const now = () => new Date().toISOString()

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
      ? Effect.tryPromise(() => delivery.ackAck()).pipe(Effect.ignore)
      : status.status === "failed"
      // It failed, but the copy to the DLQ or the term did not happen (worker died in between).
      ? deadLetter.fromDelivery(delivery, {
        code: status.error_code ?? "FAILED",
        message: status.error_message ?? "failed",
        attempts: delivery.deliveryCount
      })
      : Effect.sync(() => delivery.term())

  /** Status -> running. None when the job must not run (finished or cancelled already). */
  const claim = (command: Command, delivery: Delivery): Effect.Effect<Option.Option<StoredStatus>, JetStreamFailure> =>
    Effect.gen(function*() {
      const attempt = delivery.deliveryCount
      while (true) {
        const result = yield* store.modify(command.job_id, (s) => toRunning(s, attempt, now()))
        if (Option.isSome(result)) {
          if (result.value.changed) return Option.some<StoredStatus>(result.value)
          yield* settleFinished(result.value.status, delivery)
          return Option.none()
        }
        // No status yet: the enqueuer is still writing it, or it was lost. Write it ourselves.
        const running = toRunning(queuedStatus(command, delivery.seq, now()), attempt, now())!
        const created = yield* store.create(running)
        if (Option.isSome(created)) {
          return Option.some<StoredStatus>({ status: running, revision: created.value, writtenAt: new Date() })
        }
      }
    })

  const transition = (job: RunningJob, f: (current: JobStatus) => JobStatus | undefined) =>
    store.modify(job.jobId, f, job.latest).pipe(
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
        return
      }
      yield* deadLetter.fromDelivery(job.delivery, { code, message, attempts: job.delivery.deliveryCount })
    })

  const retryLater = (job: RunningJob, code: string, message: string) =>
    Effect.gen(function*() {
      const result = yield* transition(job, (s) => toRetrying(s, code, message, now()))
      if (Option.isSome(result) && !result.value.changed) {
        job.delivery.term()
        return
      }
      const attempt = job.delivery.deliveryCount
      const delay = retryDelayMillis(settings, attempt)
      job.delivery.nak(delay)
      yield* Effect.logWarning(`job ${job.jobId} attempt ${attempt} failed (${code}); retry in ${delay} ms`)
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

  const settle = (job: RunningJob, outcome: Outcome) =>
    Effect.gen(function*() {
      const { delivery, jobId } = job
      if (outcome._tag === "Stopped") {
        if (outcome.reason === "cancelled") {
          yield* transition(job, (s) => toCancelled(s, now()))
          delivery.term()
          yield* Effect.logInfo(`job ${jobId} cancelled while running`)
        } else {
          yield* transition(job, (s) => toRequeued(s, now()))
          delivery.nak()
          yield* Effect.logInfo(`job ${jobId} handed back at shutdown`)
        }
        return
      }
      const exit = outcome.exit
      if (Exit.isSuccess(exit)) {
        const result = yield* transition(job, (s) => toCompleted(s, exit.value, now()))
        if (Option.isSome(result) && !result.value.changed && result.value.status.status === "cancelled") {
          delivery.term()
          return
        }
        yield* Effect.tryPromise(() => delivery.ackAck()).pipe(
          Effect.catch(() => Effect.logWarning(`ack of job ${jobId} unconfirmed; a redelivery will find it completed`))
        )
        return
      }
      const error = Cause.findErrorOption(exit.cause)
      if (Option.isSome(error)) {
        yield* failed(job, error.value, error.value._tag === "RetryableJobError")
        return
      }
      // A defect is a bug or an unexpected exception: worth another try, and a loud log.
      yield* Effect.logError(`job ${jobId} crashed`, exit.cause)
      yield* failed(job, { code: "INTERNAL_ERROR", message: describeCause(exit.cause) }, true)
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

  const heartbeats = Effect.forever(Effect.sleep(heartbeatMillis).pipe(Effect.andThen(heartbeatTick)))

  const interrupt = (job: RunningJob, reason: StopReason) => {
    if (job.stopReason !== undefined) return
    job.stopReason = reason
    job.fiber?.interruptUnsafe()
  }

  const run = (job: RunningJob) =>
    Effect.gen(function*() {
      const { command, delivery } = job
      const progress = yield* store.progressWriter(command.job_id)
      const context: JobContext = {
        jobId: command.job_id,
        attempt: delivery.deliveryCount,
        reportProgress: (stage, done, total) => progress.report({ stage, done, total })
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
      const command = decoded.success
      const claimed = yield* claim(command, delivery)
      if (Option.isNone(claimed)) return
      const job: RunningJob = {
        jobId: command.job_id,
        command,
        delivery,
        latest: claimed.value,
        stopReason: stoppingAll,
        fiber: undefined
      }
      registry.set(command.job_id, job)
      const outcome = yield* run(job).pipe(Effect.ensuring(Effect.sync(() => registry.delete(command.job_id))))
      yield* settle(job, outcome)
    })

  const handle = (delivery: Delivery): Effect.Effect<void> =>
    process_(delivery).pipe(
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

