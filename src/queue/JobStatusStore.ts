import { Context, type Duration, Effect, Fiber, Layer, Option, Schema } from "effect"
import {
  isWrongLastSequence,
  JetStreamFailure,
  jetStreamCall,
  toJetStreamFailure
} from "../broker/JetStreamFailure.ts"
import { type JetStreamRequests, MAX_BATCH, type StoredMessage } from "../broker/JetStreamRequests.ts"
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
 *
 * Every job reads and writes here several times, so the bucket is spoken to in its wire form
 * (a status is the last message on `$KV.ingest_jobs.<job id>`, a write a publish with the
 * expected last subject sequence) through the connection's lean JetStreamRequests, not the KV
 * client: the same requests, a fifth of the CPU.
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

/** Commands whose status creation a process remembers for its backfill (a few MB at most). */
export const TRACKED_CREATES = 200_000

/** Job ids per batch read: well under the server's MAX_BATCH answers to one request. */
export const MAX_BATCH_READ = Math.min(256, MAX_BATCH)

/** A KV key as the KV client accepts one: it becomes one literal subject, never a wildcard. */
const KEY = /^[-/_=a-zA-Z0-9]+(\.[-/_=a-zA-Z0-9]+)*$/
const isValidKey = (key: string) => KEY.test(key)

const invalidKey = (operation: string, key: string) =>
  Effect.fail(new JetStreamFailure({ operation, code: null, reason: `not a valid status key: ${JSON.stringify(key.slice(0, 80))}` }))

/**
 * `lastBySubject` for many callers at once: the subjects asked for in one turn of the event loop
 * go out as one multi-subject request (a worker's actors claim the deliveries of one pull at
 * about the same moment; a gateway answers many polls), a lone one as a plain direct get.
 */
const batchedLastReader = (requests: JetStreamRequests, stream: string) => {
  type Waiter = { readonly resolve: (msg: StoredMessage | null) => void; readonly reject: (error: unknown) => void }
  let waiting: Map<string, Array<Waiter>> | undefined
  const settle = (subjects: ReadonlyArray<string>, batch: Map<string, Array<Waiter>>, read: Promise<ReadonlyArray<StoredMessage>>) =>
    read.then(
      (messages) => {
        const found = new Map(messages.map((msg) => [msg.subject, msg]))
        for (const subject of subjects) for (const w of batch.get(subject)!) w.resolve(found.get(subject) ?? null)
      },
      (error) => {
        for (const subject of subjects) for (const w of batch.get(subject)!) w.reject(error)
      }
    )
  const flush = () => {
    const batch = waiting!
    waiting = undefined
    const subjects = [...batch.keys()]
    if (subjects.length === 1) {
      settle(subjects, batch, requests.lastBySubject(stream, subjects[0]!).then((msg) => msg === null ? [] : [msg]))
      return
    }
    for (let i = 0; i < subjects.length; i += MAX_BATCH_READ) {
      const chunk = subjects.slice(i, i + MAX_BATCH_READ)
      settle(chunk, batch, requests.lastForSubjects(stream, chunk))
    }
  }
  return (subject: string): Promise<StoredMessage | null> =>
    new Promise((resolve, reject) => {
      if (waiting === undefined) {
        waiting = new Map()
        setImmediate(flush)
      }
      const list = waiting.get(subject)
      if (list === undefined) waiting.set(subject, [{ resolve, reject }])
      else list.push({ resolve, reject })
    })
}

/** A delete or purge marker (the KV client's DEL/PURGE), or a server marker (a TTL's removal). */
const isMarker = (msg: StoredMessage): boolean =>
  (msg.headers?.get("KV-Operation") ?? "") !== "" || (msg.headers?.get("Nats-Marker-Reason") ?? "") !== ""

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
  /**
   * Which of these jobs have a status (one that does not decode included), in one request per
   * MAX_BATCH_READ ids, without decoding any.
   */
  readonly existing: (jobIds: ReadonlyArray<string>) => Effect.Effect<ReadonlySet<string>, JetStreamFailure>
  /**
   * Whether this process created (or found) the status of the command at INGEST sequence
   * `streamSeq`: the backfill need not read that command again. Remembered until `forgetUpTo`
   * passes it, for at most TRACKED_CREATES commands.
   */
  readonly createdHere: (streamSeq: number) => boolean
  readonly forgetUpTo: (streamSeq: number) => void
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
      const { nats, topology } = yield* IngestStreams
      const { requests } = nats
      const stream = topology.jobsBucket.name
      const prefix = `$KV.${JOBS_BUCKET}.`
      // Untraced on purpose: every job makes several of these calls, and a traced Effect.fn
      // captures a stack per call (~25 µs), a fifth of a worker's CPU per no-op job (bench:queue).

      /** The status of a message read from the bucket; None for a delete or purge marker. */
      const fromMessage = (jobId: string, msg: StoredMessage) =>
        isMarker(msg)
          ? Effect.succeed(Option.none<StoredStatus>())
          : decodeStatus(msg.string()).pipe(
            Effect.map((status) => Option.some<StoredStatus>({ status, revision: msg.seq, writtenAt: msg.time })),
            Effect.mapError((e) =>
              new CorruptStatus({ jobId, revision: msg.seq, reason: e.message.replace(/\s+/g, " ").slice(0, 300) })
            )
          )

      const create = Effect.fnUntraced(function*(status: JobStatus) {
        if (!isValidKey(status.job_id)) return yield* invalidKey("status create", status.job_id)
        const subject = prefix + status.job_id
        const body = encodeStatus(status)
        return yield* jetStreamCall("status create", async () => {
          try {
            return Option.some((await requests.publish(subject, body, { expectLastSubjectSequence: 0 })).seq)
          } catch (error) {
            if (!isWrongLastSequence(toJetStreamFailure("status create")(error))) throw error
          }
          // Taken, unless what holds the key is a purge marker (an operator's `nats kv purge`):
          // then it is free again, as for the KV client's create.
          const last = await requests.lastBySubject(stream, subject)
          if (last === null || !isMarker(last)) return Option.none<number>()
          return Option.some((await requests.publish(subject, body, { expectLastSubjectSequence: last.seq })).seq)
        }).pipe(
          Effect.catchIf(isWrongLastSequence, () => Effect.succeed(Option.none<number>())),
          // Created here or already there: either way the command has a status.
          Effect.tap(() => Effect.sync(() => remember(status.stream_seq)))
        )
      })

      const created = new Set<number>()
      let forgotten = 0
      const remember = (streamSeq: number | null) => {
        if (streamSeq === null || streamSeq <= forgotten) return
        // A process that runs no backfill never forgets: start over rather than grow.
        if (created.size >= TRACKED_CREATES) created.clear()
        created.add(streamSeq)
      }
      const createdHere = (streamSeq: number) => created.has(streamSeq)
      const forgetUpTo = (streamSeq: number) => {
        if (streamSeq <= forgotten) return
        forgotten = streamSeq
        for (const seq of created) if (seq <= streamSeq) created.delete(seq)
      }

      const readLast = batchedLastReader(requests, stream)

      const get = Effect.fnUntraced(function*(jobId: string) {
        // A key that is no KV key (a wildcard, a space) has no status; never a subject to send.
        if (!isValidKey(jobId)) return Option.none<StoredStatus>()
        const msg = yield* jetStreamCall("status get", () => readLast(prefix + jobId))
        return msg === null ? Option.none<StoredStatus>() : yield* fromMessage(jobId, msg)
      })

      const existing = Effect.fnUntraced(function*(jobIds: ReadonlyArray<string>) {
        const found = new Set<string>()
        const keys = [...new Set(jobIds)].filter(isValidKey)
        for (let i = 0; i < keys.length; i += MAX_BATCH_READ) {
          const subjects = keys.slice(i, i + MAX_BATCH_READ).map((key) => prefix + key)
          const messages = yield* jetStreamCall("status get many", () => requests.lastForSubjects(stream, subjects))
          for (const msg of messages) if (!isMarker(msg)) found.add(msg.subject.slice(prefix.length))
        }
        return found as ReadonlySet<string>
      })

      // A finished job's status expires after INGEST_JOB_TTL (per-message TTL); a live one never
      // does, so nothing has to keep it alive.
      const finishedTtl = ttlHeader(topology.settings.jobTtlMillis)

      const update = Effect.fnUntraced(function*(status: JobStatus, revision: number) {
        if (!isValidKey(status.job_id)) return yield* invalidKey("status update", status.job_id)
        const subject = prefix + status.job_id
        const body = encodeStatus(status)
        const options = isTerminal(status.status)
          ? { expectLastSubjectSequence: revision, ttl: finishedTtl }
          : { expectLastSubjectSequence: revision }
        return yield* jetStreamCall("status update", () => requests.publish(subject, body, options)).pipe(
          Effect.map((ack) => Option.some(ack.seq)),
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

      return JobStatusStore.of({ create, get, existing, createdHere, forgetUpTo, update, modify, progressWriter })
    })
  )
}
