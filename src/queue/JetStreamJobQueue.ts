import { Effect, Layer, Option } from "effect"
import { ApiCode, isPerSubjectLimit, isStreamFull, type JetStreamFailure, jetStreamCall } from "../broker/JetStreamFailure.ts"
import type { StoredMessage } from "../broker/JetStreamRequests.ts"
import { type Command, commandSubject, decodeCommandJson, type JobId } from "../jobs/Commands.ts"
import { isTerminal, type JobState, type JobStatus, ownsMessage } from "../jobs/JobStatus.ts"
import { queuedStatus, toCancelled } from "../jobs/JobTransitions.ts"
import { upgradedParams } from "../jobs/JobUpgrade.ts"
import { IngestStreams } from "./IngestStreams.ts"
import { JobAlreadyFinished, JobNotFound, JobQueue, QueueFull, QueueUnavailable } from "./JobQueue.ts"
import { type CorruptStatus, JobStatusStore, type StatusStoreFailure, type StoredStatus } from "./JobStatusStore.ts"
import { QueuePosition } from "./QueuePosition.ts"
import { CANCEL_SUBJECT, UPGRADE_SUBJECT } from "./Topology.ts"

/**
 * JobQueue on JetStream. Dedupe is the stream's: one subject per dedupe key with
 * `max_msgs_per_subject: 1` + discard-new-per-subject, so a second publish for a key whose job is
 * queued or running is refused by the server itself, atomically, across any number of gateways.
 * The refused caller then reads the live job's command by subject and answers with that job,
 * raised first to what its own command asks for more (a deeper depth, force: JobUpgrade).
 */

/** A slot frees as soon as any worker finishes a job; clients come back a little later. */
const QUEUE_FULL_RETRY_AFTER_SECONDS = 5
/** How often a refused publish looks again when the live job was just finishing. */
const LIVE_JOB_RETRIES = 40
const LIVE_JOB_RETRY_DELAY = "25 millis"

const now = () => new Date().toISOString()

type PublishOutcome =
  | { readonly _tag: "Published"; readonly seq: number }
  | { readonly _tag: "KeyTaken" }

export const make = Effect.gen(function*() {
  const { nats, topology } = yield* IngestStreams
  const store = yield* JobStatusStore
  const position = yield* QueuePosition
  const unavailable = (failure: JetStreamFailure) => new QueueUnavailable({ reason: failure.message })
  /** A JetStream failure is the queue being away; a corrupt status is its own, typed answer. */
  const storeFailure = (failure: StatusStoreFailure): QueueUnavailable | CorruptStatus =>
    failure._tag === "JetStreamFailure" ? unavailable(failure) : failure
  /** Where the queue already holds the command, a status it cannot read is answered from the command. */
  const readableOr = (jobId: string) =>
    store.get(jobId).pipe(
      Effect.catchTag("CorruptStatus", (corrupt) =>
        Effect.logWarning(corrupt.message).pipe(Effect.as(Option.none<StoredStatus>()))
      )
    )

  const withPosition = (status: JobStatus): Effect.Effect<JobStatus, JetStreamFailure> =>
    status.status === "queued" && status.stream_seq !== null
      ? Effect.map(position.of(status.stream_seq), (queue_position) => ({ ...status, queue_position }))
      : Effect.succeed(status)

  const publish = (command: Command): Effect.Effect<PublishOutcome, QueueFull | QueueUnavailable> =>
    jetStreamCall(
      "enqueue",
      () => nats.requests.publish(commandSubject(command), JSON.stringify(command), { msgId: command.job_id })
    ).pipe(
      Effect.map((ack): PublishOutcome => ({ _tag: "Published", seq: ack.seq })),
      Effect.catchIf(isPerSubjectLimit, () => Effect.succeed<PublishOutcome>({ _tag: "KeyTaken" })),
      Effect.catchIf(isStreamFull, () => Effect.fail(new QueueFull({ retryAfterSeconds: QUEUE_FULL_RETRY_AFTER_SECONDS }))),
      Effect.mapError((e) => e._tag === "JetStreamFailure" ? unavailable(e) : e)
    )

  /**
   * The command currently holding the key's subject, read directly (no consumer involved). A
   * message there that is not a valid command for that very subject (published by hand) holds the
   * key until a worker dead-letters it, and answers for nothing.
   */
  const liveCommand = (subject: string) =>
    jetStreamCall("live job lookup", () => nats.requests.lastBySubject(topology.ingest.name, subject))
      .pipe(
        Effect.flatMap((msg) =>
          msg === null
            ? Effect.succeed(Option.none<{ command: Command; msg: StoredMessage }>())
            : decodeCommandJson(msg.string()).pipe(
              Effect.map((command) =>
                commandSubject(command) === subject ? Option.some({ command, msg }) : Option.none()
              ),
              Effect.catch(() => Effect.succeed(Option.none<{ command: Command; msg: StoredMessage }>()))
            )
        )
      )

  /**
   * The live job's status. Answered from the command itself when there is none yet (its enqueuer
   * has published but not yet written it), when it cannot be read, or when it belongs to another
   * message (a command published by hand reusing a job id): the message in the stream is the job.
   */
  /** The live job's stored status (with its revision), or the one its command implies. */
  const statusOrSynthesized = (command: Command, seq: number, time: Date) =>
    readableOr(command.job_id).pipe(
      Effect.map((stored) =>
        Option.isSome(stored) && ownsMessage(stored.value.status, seq)
          ? { status: stored.value.status, revision: Option.some(stored.value.revision) }
          : { status: queuedStatus(command, seq, time.toISOString()), revision: Option.none<number>() }
      )
    )

  /**
   * Raises the live job's params to what `command` asks for more (JobUpgrade): a CAS write over
   * the revision read, or the first status of a job that has none yet. None when someone wrote
   * meanwhile; the caller reads again.
   */
  const upgrade = (live: JobStatus, revision: Option.Option<number>, params: Record<string, unknown>) => {
    const raised: JobStatus = { ...live, params, updated_at: now() }
    return (Option.isSome(revision) ? store.update(raised, revision.value) : store.create(raised)).pipe(
      Effect.map(Option.map(() => raised)),
      Effect.mapError(unavailable)
    )
  }

  // Untraced, like the status store: a traced Effect.fn captures a stack per call (~4 µs), and
  // enqueue and get are what every job and every poll go through (bench:queue, bench:status).
  const enqueue = Effect.fnUntraced(function*(command: Command) {
    const subject = commandSubject(command)
    for (let attempt = 0;; attempt++) {
      const outcome = yield* publish(command)
      if (outcome._tag === "Published") {
        const status = queuedStatus(command, outcome.seq, now())
        // create, never put: a fast worker may already have written `running` over it.
        const created = yield* store.create(status).pipe(Effect.mapError(unavailable))
        const current = Option.isSome(created)
          ? status
          : Option.getOrElse(
            Option.map(yield* readableOr(command.job_id).pipe(Effect.mapError(unavailable)), (s) => s.status),
            () => status
          )
        return {
          job: yield* withPosition(current).pipe(Effect.mapError(unavailable)),
          deduplicated: false,
          upgraded: false
        }
      }
      const live = yield* liveCommand(subject).pipe(Effect.mapError(unavailable))
      const finalAttempt = attempt >= LIVE_JOB_RETRIES
      if (Option.isNone(live)) {
        // The live job finished between our publish and the lookup: try to become the job.
        if (finalAttempt) return yield* new QueueUnavailable({ reason: `the job for ${subject} keeps changing` })
        yield* Effect.sleep(LIVE_JOB_RETRY_DELAY)
        continue
      }
      const { command: liveCmd, msg } = live.value
      const { revision, status } = yield* statusOrSynthesized(liveCmd, msg.seq, msg.time).pipe(
        Effect.mapError(unavailable)
      )
      if (isTerminal(status.status) && !finalAttempt) {
        // Finished a moment ago; its message is about to leave the stream.
        yield* Effect.sleep(LIVE_JOB_RETRY_DELAY)
        continue
      }
      const deduplicated = liveCmd.job_id !== command.job_id
      const params = deduplicated && !isTerminal(status.status) ? upgradedParams(status.params, command) : undefined
      if (params !== undefined) {
        const raised = yield* upgrade(status, revision, params)
        if (Option.isNone(raised)) {
          if (finalAttempt) return yield* new QueueUnavailable({ reason: `the job for ${subject} keeps changing` })
          continue
        }
        // The worker running it, if one does, looks at the raised status before it completes.
        nats.nc.publish(UPGRADE_SUBJECT, liveCmd.job_id)
        return { job: yield* withPosition(raised.value).pipe(Effect.mapError(unavailable)), deduplicated, upgraded: true }
      }
      return { job: yield* withPosition(status).pipe(Effect.mapError(unavailable)), deduplicated, upgraded: false }
    }
  })

  const get = Effect.fnUntraced(function*(jobId: JobId) {
    const stored = yield* store.get(jobId).pipe(Effect.mapError(storeFailure))
    if (Option.isNone(stored)) return yield* new JobNotFound({ jobId })
    return yield* withPosition(stored.value.status).pipe(Effect.mapError(unavailable))
  })

  const cancel = Effect.fn("JobQueue.cancel")(function*(jobId: JobId) {
    let previous: JobState | undefined
    const result = yield* store.modify(jobId, (current) => {
      previous = current.status
      return toCancelled(current, now())
    }).pipe(Effect.mapError(storeFailure))
    if (Option.isNone(result)) return yield* new JobNotFound({ jobId })
    const { changed, status } = result.value
    if (!changed) return yield* new JobAlreadyFinished({ jobId, status: status.status })
    if (previous === "queued" && status.stream_seq !== null) {
      // Take it out of the queue; if a worker got it meanwhile, it sees `cancelled` and terms it.
      yield* jetStreamCall("cancel delete", () => nats.jsm.streams.deleteMessage(topology.ingest.name, status.stream_seq!, false))
        .pipe(
          Effect.catchIf((f) => f.code === ApiCode.noMessageFound, () => Effect.void),
          Effect.mapError(unavailable)
        )
    }
    // The worker running it interrupts at once; one listening nowhere sees the status on its heartbeat.
    nats.nc.publish(CANCEL_SUBJECT, jobId)
    return status
  })

  return JobQueue.of({ enqueue, get, cancel })
})

export const JetStreamJobQueue = {
  /** Needs IngestStreams, JobStatusStore and QueuePosition. */
  layer: Layer.effect(JobQueue, make)
}
