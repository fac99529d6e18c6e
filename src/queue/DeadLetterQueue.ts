import type { StoredMsg } from "@nats-io/jetstream"
import { Context, Effect, Layer, Option, Schema } from "effect"
import { ApiCode, type JetStreamFailure, jetStreamCall } from "../broker/JetStreamFailure.ts"
import { type Command, commandSubject, decodeCommandJson, type JobId } from "../jobs/Commands.ts"
import { type InvalidCommand, JobCommands, requestOf } from "../jobs/JobCommands.ts"
import { commandParams } from "../jobs/JobTransitions.ts"
import { DeadLetterHeader } from "./DeadLetter.ts"
import { IngestStreams } from "./IngestStreams.ts"
import { type EnqueueResult, JobQueue, type QueueFull, QueueUnavailable } from "./JobQueue.ts"
import { JobStatusStore, type StoredStatus } from "./JobStatusStore.ts"
import { DLQ_STREAM, DLQ_SUBJECT_PREFIX } from "./Topology.ts"

/**
 * The operator's side of INGEST_DLQ: what is in it, and replaying a dead letter.
 *
 * A replay publishes the dead command again under a NEW job id, then removes every copy of the
 * old job from the DLQ. A new id because the old one is spent: its status document says `failed`
 * (a finished status is never reopened) and its Nats-Msg-Id may still be inside the INGEST
 * duplicate window, where a second publish would be dropped silently. The replay goes through
 * JobQueue.enqueue, so when its key already has a live job that job is the answer
 * (`deduplicated: true`) and the dead letter is removed all the same: the live job covers it.
 * Publish first, then remove: a crash in between leaves the letter in place, and replaying it
 * again answers with the job the first attempt created.
 */

export interface DeadLetterEntry {
  /** Sequence of the copy in INGEST_DLQ (`nats stream get INGEST_DLQ <seq>`). */
  readonly seq: number
  /** The subject the command had in INGEST, e.g. `ingest.event.486677`. */
  readonly subject: string
  /** Null for a message that is not a valid command (it never had a job). */
  readonly job_id: string | null
  readonly kind: string | null
  readonly params: Record<string, unknown> | null
  readonly error_code: string | null
  readonly error_message: string | null
  readonly attempts: number | null
  readonly dead_at: string
}

export interface DeadLetterListing {
  /** Messages in the DLQ, of which `entries` are the oldest `limit`. */
  readonly total: number
  readonly entries: ReadonlyArray<DeadLetterEntry>
}

export interface ReplayResult extends EnqueueResult {
  readonly replayed_from: string
  /** Copies of the old job taken out of the DLQ. */
  readonly removed: number
}

export class DeadLetterNotFound extends Schema.TaggedError<DeadLetterNotFound>()("DeadLetterNotFound", {
  jobId: Schema.String
}) {
  override get message() {
    return `no dead letter for job ${this.jobId} in ${DLQ_STREAM}`
  }
}

const ALL_DEAD_LETTERS = `${DLQ_SUBJECT_PREFIX}>`

interface Letter {
  readonly msg: StoredMsg
  readonly command: Option.Option<Command>
}

const header = (msg: StoredMsg, name: string): string | null => {
  const value = msg.header?.get(name)
  return value === undefined || value === "" ? null : value
}

const entryOf = ({ command, msg }: Letter): DeadLetterEntry => {
  const attempts = Number(header(msg, DeadLetterHeader.attempts))
  return {
    seq: msg.seq,
    subject: header(msg, DeadLetterHeader.subject) ?? msg.subject.slice(DLQ_SUBJECT_PREFIX.length),
    job_id: Option.match(command, { onNone: () => null, onSome: (c) => c.job_id }),
    kind: Option.match(command, { onNone: () => null, onSome: (c) => c.kind }),
    params: Option.match(command, { onNone: () => null, onSome: commandParams }),
    error_code: header(msg, DeadLetterHeader.code),
    error_message: header(msg, DeadLetterHeader.message),
    attempts: Number.isInteger(attempts) && attempts > 0 ? attempts : null,
    dead_at: header(msg, DeadLetterHeader.at) ?? msg.time.toISOString()
  }
}

export class DeadLetterQueue extends Context.Service<DeadLetterQueue, {
  readonly list: (limit: number) => Effect.Effect<DeadLetterListing, JetStreamFailure>
  readonly replay: (
    jobId: JobId
  ) => Effect.Effect<ReplayResult, DeadLetterNotFound | InvalidCommand | QueueFull | QueueUnavailable>
}>()("liverc-ingest/queue/DeadLetterQueue") {
  static readonly layer = Layer.effect(
    DeadLetterQueue,
    Effect.gen(function*() {
      const { nats } = yield* IngestStreams
      const queue = yield* JobQueue
      const store = yield* JobStatusStore
      const commands = yield* JobCommands

      /** The letters on `filter` that `keep` accepts, in stream order, at most `limit`. */
      const walk = (filter: string, limit: number, keep: (letter: Letter) => boolean = () => true) =>
        Effect.gen(function*() {
          const found: Array<Letter> = []
          let next = 1
          while (found.length < limit) {
            const msg = yield* jetStreamCall(
              "dead letter get",
              () => nats.jsm.direct.getMessage(DLQ_STREAM, { seq: next, next_by_subj: filter })
            )
            if (msg === null) break
            next = msg.seq + 1
            const letter = { msg, command: yield* Effect.option(decodeCommandJson(msg.string())) }
            if (keep(letter)) found.push(letter)
          }
          return found
        })

      const list = Effect.fn("DeadLetterQueue.list")(function*(limit: number) {
        const info = yield* jetStreamCall("dlq info", () => nats.jsm.streams.info(DLQ_STREAM))
        const letters = yield* walk(ALL_DEAD_LETTERS, limit)
        return { total: info.state.messages, entries: letters.map(entryOf) }
      })

      /**
       * The dead letters of a job. While its status is still in the bucket it names the key, so only
       * that key's subject is read; after the status TTL the whole DLQ is.
       */
      const lettersOf = (jobId: JobId) =>
        Effect.gen(function*() {
          // A status that cannot be read names no key: the whole DLQ is read instead.
          const status = yield* store.get(jobId).pipe(
            Effect.catchTag("CorruptStatus", () => Effect.succeed(Option.none<StoredStatus>()))
          )
          const subject = yield* Option.match(status, {
            onNone: () => Effect.succeed(Option.none<string>()),
            onSome: ({ status: s }) =>
              decodeCommandJson(JSON.stringify({ v: 1, job_id: s.job_id, kind: s.kind, ...s.params })).pipe(
                Effect.map((c) => Option.some(`${DLQ_SUBJECT_PREFIX}${commandSubject(c)}`)),
                Effect.orElseSucceed(() => Option.none<string>())
              )
          })
          const ofJob = (letter: Letter) => Option.isSome(letter.command) && letter.command.value.job_id === jobId
          return yield* walk(Option.getOrElse(subject, () => ALL_DEAD_LETTERS), Number.POSITIVE_INFINITY, ofJob)
        })

      const remove = (seq: number) =>
        jetStreamCall("dead letter delete", () => nats.jsm.streams.deleteMessage(DLQ_STREAM, seq, false)).pipe(
          Effect.asVoid,
          Effect.catchIf((f) => f.code === ApiCode.noMessageFound, () => Effect.void)
        )

      const replay = Effect.fn("DeadLetterQueue.replay")(function*(jobId: JobId) {
        const unavailable = (f: JetStreamFailure) => new QueueUnavailable({ reason: f.message })
        const letters = yield* lettersOf(jobId).pipe(Effect.mapError(unavailable))
        const latest = letters.at(-1)
        if (latest === undefined || Option.isNone(latest.command)) return yield* new DeadLetterNotFound({ jobId })
        const command = yield* commands.make(requestOf(latest.command.value))
        const result = yield* queue.enqueue(command)
        yield* Effect.forEach(letters, (letter) => remove(letter.msg.seq), { discard: true }).pipe(
          Effect.mapError(unavailable)
        )
        yield* Effect.logInfo(`replayed dead job ${jobId} as ${result.job.job_id}`)
        return { ...result, replayed_from: jobId, removed: letters.length }
      })

      return DeadLetterQueue.of({ list, replay })
    })
  )
}
