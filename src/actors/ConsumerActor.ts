import { Cause, Effect, Exit, Fiber, Option, Schema } from "effect"
import { type Command, commandSubject, decodeCommandJson, JobId } from "../jobs/Commands.ts"
import { JobCommands } from "../jobs/JobCommands.ts"
import { ownsMessage } from "../jobs/JobStatus.ts"
import { toFailed } from "../jobs/JobTransitions.ts"
import { effectiveCommand } from "../jobs/JobUpgrade.ts"
import { recordDelivery, recordJob } from "../observability/WorkerMetrics.ts"
import { DeadLetter } from "../queue/DeadLetter.ts"
import type { Delivery } from "../queue/Delivery.ts"
import { JobStatusStore } from "../queue/JobStatusStore.ts"
import { Topology } from "../queue/Topology.ts"
import { makeJobClaim } from "./JobClaim.ts"
import { type JobContext, type JobFailure, JobHandlers, type JobResult, TerminalJobError } from "./JobHandler.ts"
import { makeJobSettler } from "./JobSettler.ts"
import { now, type RunningJob } from "./RunningJob.ts"
import { makeRunningJobs } from "./RunningJobs.ts"
import { type Outcome, settlementOf, type StopReason } from "./Settlement.ts"
import { retryDelayMillis, WorkerSettings } from "./WorkerSettings.ts"

/**
 * What an actor does with one delivery: decode and check the command, claim the job (JobClaim:
 * may it run?), run the handler in its own fiber and scope while RunningJobs keeps the delivery
 * and the status alive, and settle the message and the status by the outcome table (Settlement,
 * carried out by JobSettler). Never fails: whatever goes wrong ends in an ack, nak or term, and a
 * log line.
 *
 * The status says `running` once the job has run for a moment or reports progress (on the last
 * delivery, before it runs); a job done sooner goes from queued to its outcome in one CAS write.
 *
 * Anyone who can publish to `ingest.>` can send anything, so a delivery runs only as the job it
 * is. A message the schema refuses, a command published on another subject than its dedupe key
 * (it would dodge that key's dedupe) and a command reusing the id of a job whose status belongs
 * to another message are poison: copied to INGEST_DLQ with INVALID_COMMAND and termed. A job's
 * status is only ever touched by the delivery of its own message (JobStatus.ownsMessage), so
 * poison carrying a live job's id changes nothing of that job. A well-formed command that breaks
 * a rule of JobCommands (a practice range too long, say) fails terminally with that rule's code
 * without running. A redelivery of a job already running here is adopted, never run twice.
 *
 * What runs is the command raised to its status's params: a gateway may have upgraded the live job
 * (a deeper depth, force; JobUpgrade) while it was queued or running.
 */

export type { StopReason } from "./Settlement.ts"

export interface ConsumerActor {
  readonly handle: (delivery: Delivery) => Effect.Effect<void>
  /** Interrupts the job if it runs here (cancel signal). */
  readonly signal: (jobId: string, reason: StopReason) => Effect.Effect<void>
  /** Has the job, if it runs here, read its status again before completing (upgrade signal). */
  readonly raise: (jobId: string) => Effect.Effect<void>
  /** Interrupts every job running here (shutdown after the grace period). */
  readonly stopAll: (reason: StopReason) => Effect.Effect<void>
  readonly running: () => number
  /**
   * Keeps every running job alive (working + status touch) and shows it `running` once it has run
   * a while; run it for the pool's lifetime.
   */
  readonly heartbeats: Effect.Effect<never>
}

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

/** Every log line about a job names it; ids go to logs, never to metric labels. */
const jobAnnotations = (command: Command, delivery: Delivery) => ({
  job_id: command.job_id,
  kind: command.kind,
  attempt: delivery.deliveryCount,
  ...("event_id" in command ? { event_id: command.event_id } : {})
})

export const makeConsumerActor = Effect.gen(function*() {
  const topology = yield* Topology
  const store = yield* JobStatusStore
  const deadLetter = yield* DeadLetter
  const handlers = yield* JobHandlers
  const settings = yield* WorkerSettings
  const commands = yield* JobCommands
  const { ackWaitMillis, maxDeliver } = topology.settings
  const settler = makeJobSettler(store, deadLetter)
  const claim = makeJobClaim(store, settler, maxDeliver)
  const jobs = makeRunningJobs(store, { ackWaitMillis })
  const rules = { maxDeliver, retryDelayMillis: (attempt: number) => retryDelayMillis(settings, attempt) }

  /**
   * Dead-letters a message that is not a runnable command. The job it names is marked failed only
   * if its status is this very message's: a poison message carrying a live job's id touches
   * nothing but itself.
   */
  const poison = (delivery: Delivery, jobId: string | undefined, reason: string) =>
    Effect.gen(function*() {
      const failure = { code: "INVALID_COMMAND", message: `invalid command on ${delivery.subject}: ${reason}` }
      if (jobId !== undefined) {
        yield* store.modify(jobId, (s) => ownsMessage(s, delivery.seq) ? toFailed(s, failure.code, failure.message, now()) : undefined)
          .pipe(Effect.catchTag("CorruptStatus", () => Effect.void))
      }
      yield* deadLetter.fromDelivery(delivery, { ...failure, attempts: delivery.deliveryCount })
    })

  /**
   * The handler in its own fiber and scope (interrupting it closes the scope and every child), or
   * straight to the refusal when the command broke a rule.
   */
  const run = (job: RunningJob, refusal: Option.Option<TerminalJobError>) =>
    Effect.gen(function*() {
      const progress = yield* store.progressWriter(job.jobId)
      const context: JobContext = {
        jobId: job.command.job_id,
        attempt: job.delivery.deliveryCount,
        // Progress is stored on a running status only.
        reportProgress: (stage, done, total) =>
          jobs.markRunning(job).pipe(Effect.andThen(progress.report({ stage, done, total })))
      }
      const work: Effect.Effect<JobResult, JobFailure> = Option.isSome(refusal)
        ? Effect.fail(refusal.value)
        : runUpgraded(job, context)
      const handler = yield* Effect.forkChild(work)
      job.fiber = handler
      if (job.stopReason !== undefined) handler.interruptUnsafe()
      const exit = yield* Fiber.await(handler).pipe(Effect.ensuring(progress.flush))
      const stopped = job.stopReason !== undefined && Exit.isFailure(exit) && Cause.hasInterrupts(exit.cause)
      return stopped ? { _tag: "Stopped", reason: job.stopReason! } satisfies Outcome : { _tag: "Finished", exit } satisfies Outcome
    })

  /**
   * The handler, then again for as long as the job was raised meanwhile (a deeper depth or force
   * asked for while it ran, JobUpgrade): the job completes only having done what its status asks.
   * The status is read again only when an upgrade signal or a heartbeat said it may have been
   * raised, so a job costs no extra read; one raised unseen (a lost signal, the last moment) is
   * caught by the completion's CAS write, and a status that cannot be read here is left to it too.
   */
  const runUpgraded = (job: RunningJob, context: JobContext) =>
    Effect.gen(function*() {
      while (true) {
        const result = yield* Effect.scoped(handlers.run(job.command, context))
        if (!job.raised) return result
        job.raised = false
        const read = yield* store.get(job.jobId).pipe(Effect.option)
        const raised = Option.isSome(read) && Option.isSome(read.value)
          ? effectiveCommand(job.command, read.value.value.status.params)
          : job.command
        if (raised === job.command) return result
        yield* Effect.logInfo(`job ${job.jobId} was upgraded while it ran; running it again as asked`)
        job.command = raised
      }
    })

  const runCommand = (command: Command, delivery: Delivery, refusal: Option.Option<TerminalJobError>) =>
    Effect.gen(function*() {
      if (jobs.adopt(command.job_id, delivery)) {
        yield* Effect.logWarning(`delivery ${delivery.deliveryCount} of a job running here: answering on it, not running it twice`)
        return
      }
      const claimed = yield* claim(command, delivery)
      if (claimed._tag === "Done") return
      if (claimed._tag === "NotItsJob") {
        yield* poison(delivery, undefined, `job id ${command.job_id} belongs to the command at stream sequence ${claimed.ownerSeq}`)
        return
      }
      const startedAt = Date.now()
      yield* Effect.logDebug("job started")
      const job: RunningJob = {
        jobId: command.job_id,
        // Upgraded while it was queued: run what the status asks for.
        command: effectiveCommand(command, claimed.status.status.params),
        delivery,
        latest: claimed.status,
        startedAt,
        // Claimed on the last delivery, by writing `running`: nothing left to mark.
        runningMark: claimed.status.status.status === "running" && claimed.status.status.attempts === delivery.deliveryCount
          ? Effect.void
          : undefined,
        stopReason: jobs.stopping(),
        raised: false,
        fiber: undefined
      }
      const outcome = yield* jobs.register(job, run(job, refusal))
      if (outcome._tag === "Finished" && Exit.isFailure(outcome.exit) && Option.isNone(Cause.findErrorOption(outcome.exit.cause))) {
        yield* Effect.logError(`job ${job.jobId} crashed`, outcome.exit.cause)
      }
      const ended = yield* settler.settle(job, settlementOf(outcome, delivery.deliveryCount, rules))
      const seconds = (Date.now() - startedAt) / 1000
      recordJob(command.kind, ended, seconds)
      yield* Effect.logDebug(`job ${ended} after ${seconds.toFixed(3)} s`)
    })

  const process_ = (delivery: Delivery) =>
    Effect.gen(function*() {
      const text = delivery.text()
      const decoded = yield* decodeCommandJson(text).pipe(Effect.result)
      if (decoded._tag === "Failure") {
        // The whole schema message on one line: the reason and the path (`at ["event_id"]`).
        yield* poison(delivery, salvageJobId(text), decoded.failure.message.replace(/\s+/g, " ").slice(0, 300))
        return
      }
      const command = decoded.success
      // The subject is the dedupe key: a command filed under another key would dodge its dedupe.
      const expected = commandSubject(command)
      if (delivery.subject !== expected) {
        yield* poison(delivery, command.job_id, `a ${command.kind} command for ${expected} published on ${delivery.subject}`)
        return
      }
      const checked = yield* commands.check(command).pipe(Effect.result)
      const refusal = checked._tag === "Failure"
        ? Option.some(new TerminalJobError({ code: checked.failure.code, message: checked.failure.message }))
        : Option.none()
      yield* runCommand(command, delivery, refusal).pipe(Effect.annotateLogs(jobAnnotations(command, delivery)))
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

  return {
    handle,
    signal: jobs.signal,
    raise: jobs.raise,
    stopAll: jobs.stopAll,
    heartbeats: jobs.heartbeats,
    running: jobs.size
  } satisfies ConsumerActor
})
