import { Context, type Duration, Effect, Fiber, Layer, Option, Schema } from "effect"
import { isWrongLastSequence, type JetStreamFailure, jetStreamCall } from "../broker/JetStreamFailure.ts"
import { ttlHeader } from "../broker/StreamSpec.ts"
import { isTerminal, type JobProgress, type JobStatus } from "../jobs/JobStatus.ts"
import { JobStatus as JobStatusSchema } from "../jobs/JobStatus.ts"
import { withProgress } from "../jobs/JobTransitions.ts"
import { IngestStreams } from "./IngestStreams.ts"
import { JOBS_BUCKET } from "./Topology.ts"

/**
 * Typed access to the `ingest_jobs` bucket (key = job id). Every write that can race is a CAS on
 * the key's revision: `create` only when absent, `update` only over the revision read, and
 * `modify` re-reads and retries until its transition applies or is refused.
 */

export interface StoredStatus {
  readonly status: JobStatus
  readonly revision: number
  /** Server time of the write; the bucket TTL counts from here. */
  readonly writtenAt: Date
}

export interface Modified extends StoredStatus {
  /** False when the transition was refused (e.g. the job had already finished). */
  readonly changed: boolean
}

export interface ProgressWriter {
  /** Records the latest progress; it reaches the bucket at most every `interval`. */
  readonly report: (progress: JobProgress) => Effect.Effect<void>
  /** Stops the writer and stores the last unwritten progress, if any. Run it when the job ends. */
  readonly flush: Effect.Effect<void>
}

const encodeStatus = (status: JobStatus): string => {
  // queue_position and paused_since are computed on read, never stored.
  const { paused_since: _paused, queue_position: _position, ...stored } = status
  return JSON.stringify(stored)
}

const decodeStatus = Schema.decodeUnknownEffect(Schema.fromJsonString(JobStatusSchema))

/**
 * A status document that does not decode: written by hand (`nats kv put`), by a future version,
 * or damaged. Typed, so each caller decides: the gateway answers 500 STATUS_CORRUPT, the CLI exits
 * 5, a worker that holds the job's command writes a fresh status over it, listings skip it.
 */
export class CorruptStatus extends Schema.TaggedError<CorruptStatus>()("CorruptStatus", {
  jobId: Schema.String,
  revision: Schema.Int,
  reason: Schema.String
}) {
  override get message() {
    return `the stored status of job ${this.jobId} (revision ${this.revision}) does not decode: ${this.reason}`
  }
}

export type StatusStoreFailure = JetStreamFailure | CorruptStatus

export class JobStatusStore extends Context.Service<JobStatusStore, {
  /** Some(revision), or None when the key already holds a status. */
  readonly create: (status: JobStatus) => Effect.Effect<Option.Option<number>, JetStreamFailure>
  readonly get: (jobId: string) => Effect.Effect<Option.Option<StoredStatus>, StatusStoreFailure>
  /** Some(new revision), or None when someone wrote since `revision`. */
  readonly update: (status: JobStatus, revision: number) => Effect.Effect<Option.Option<number>, JetStreamFailure>
  /**
   * CAS loop: applies `transition` to the current status until the write wins or the transition
   * refuses. `known` (the caller's last read or write) saves the first read. None when the job
   * has no status.
   */
  readonly modify: (
    jobId: string,
    transition: (current: JobStatus) => JobStatus | undefined,
    known?: StoredStatus
  ) => Effect.Effect<Option.Option<Modified>, StatusStoreFailure>
  /** Not scoped: the caller must run `flush` when the job ends. */
  readonly progressWriter: (jobId: string, interval?: Duration.Input) => Effect.Effect<ProgressWriter>
}>()("liverc-ingest/queue/JobStatusStore") {
  static readonly layer = Layer.effect(
    JobStatusStore,
    Effect.gen(function*() {
      const { jobs, nats, topology } = yield* IngestStreams
      // Untraced on purpose: every job makes several of these calls, and a traced Effect.fn
      // captures a stack per call (~25 µs), a fifth of a worker's CPU per no-op job (bench:queue).

      const create = Effect.fnUntraced(function*(status: JobStatus) {
        return yield* jetStreamCall("status create", () => jobs.create(status.job_id, encodeStatus(status))).pipe(
          Effect.map(Option.some),
          Effect.catchIf(isWrongLastSequence, () => Effect.succeed(Option.none<number>()))
        )
      })

      const get = Effect.fnUntraced(function*(jobId: string) {
        const entry = yield* jetStreamCall("status get", () => jobs.get(jobId))
        if (entry === null || entry.operation !== "PUT") return Option.none<StoredStatus>()
        const status = yield* decodeStatus(entry.string()).pipe(
          Effect.mapError((e) =>
            new CorruptStatus({ jobId, revision: entry.revision, reason: e.message.replace(/\s+/g, " ").slice(0, 300) })
          )
        )
        return Option.some<StoredStatus>({ status, revision: entry.revision, writtenAt: entry.created })
      })

      // A finished job's status expires after INGEST_JOB_TTL (per-message TTL); a live one never
      // does, so nothing has to keep it alive. The KV client has no per-message TTL, hence the
      // publish to the key's subject, with the same compare-and-set as `kv.update`.
      const finishedTtl = ttlHeader(topology.settings.jobTtlMillis)
      const write = (status: JobStatus, revision: number) =>
        isTerminal(status.status)
          ? nats.js.publish(`$KV.${JOBS_BUCKET}.${status.job_id}`, encodeStatus(status), {
            expect: { lastSubjectSequence: revision },
            ttl: finishedTtl
          }).then((ack) => ack.seq)
          : jobs.update(status.job_id, encodeStatus(status), revision)

      const update = Effect.fnUntraced(function*(status: JobStatus, revision: number) {
        return yield* jetStreamCall("status update", () => write(status, revision))
          .pipe(
            Effect.map(Option.some),
            Effect.catchIf(isWrongLastSequence, () => Effect.succeed(Option.none<number>()))
          )
      })

      const modify = Effect.fnUntraced(function*(
        jobId: string,
        transition: (current: JobStatus) => JobStatus | undefined,
        known?: StoredStatus
      ) {
        // Start from what the caller last wrote or read, if it knows: one round trip when nobody
        // wrote in between, a re-read only after a conflict.
        let current = known === undefined ? yield* get(jobId) : Option.some(known)
        while (true) {
          if (Option.isNone(current)) return Option.none<Modified>()
          const next = transition(current.value.status)
          if (next === undefined) return Option.some<Modified>({ ...current.value, changed: false })
          const revision = yield* update(next, current.value.revision)
          if (Option.isSome(revision)) {
            return Option.some<Modified>({ status: next, revision: revision.value, writtenAt: new Date(), changed: true })
          }
          current = yield* get(jobId)
        }
      })

      const writeProgress = (jobId: string, progress: JobProgress) =>
        modify(jobId, (current) => withProgress(current, progress, new Date().toISOString())).pipe(
          Effect.catch((failure) => Effect.logWarning(`progress of ${jobId} not stored: ${failure.message}`))
        )

      const progressWriter = (jobId: string, interval: Duration.Input = "500 millis") =>
        Effect.sync((): ProgressWriter => {
          // Most jobs report little or nothing: the flusher fiber exists only while there is
          // something to write, and at most one write per interval leaves it.
          let pending: JobProgress | undefined
          let flusher: Fiber.Fiber<void> | undefined
          const flushLoop: Effect.Effect<void> = Effect.suspend(() => {
            const next = pending
            if (next === undefined) {
              flusher = undefined
              return Effect.void
            }
            pending = undefined
            return writeProgress(jobId, next).pipe(Effect.andThen(Effect.sleep(interval)), Effect.andThen(flushLoop))
          })
          return {
            report: (progress) =>
              Effect.suspend(() => {
                pending = progress
                if (flusher !== undefined) return Effect.void
                return Effect.forkDetach(flushLoop).pipe(Effect.tap((fiber) => Effect.sync(() => {
                  flusher = fiber
                })), Effect.asVoid)
              }),
            flush: Effect.suspend(() => {
              const running = flusher
              flusher = undefined
              return (running === undefined ? Effect.void : Fiber.interrupt(running)).pipe(
                Effect.andThen(Effect.suspend(() => {
                  const last = pending
                  pending = undefined
                  return last === undefined ? Effect.void : writeProgress(jobId, last)
                }))
              )
            })
          }
        })

      return JobStatusStore.of({ create, get, update, modify, progressWriter })
    })
  )
}
