import type { StoredMsg } from "@nats-io/jetstream"
import { headers as natsHeaders } from "@nats-io/transport-node"
import { Context, Effect, Layer, Option, Queue, Schema } from "effect"
import { subscribeQueue } from "../broker/CoreSubscription.ts"
import { ApiCode, type JetStreamFailure, jetStreamCall } from "../broker/JetStreamFailure.ts"
import { decodeCommandJson } from "../jobs/Commands.ts"
import { isTerminal, type JobStatus, ownsMessage } from "../jobs/JobStatus.ts"
import { toFailed } from "../jobs/JobTransitions.ts"
import { supervisedLoop } from "../observability/Supervision.ts"
import type { Delivery } from "./Delivery.ts"
import { IngestStreams } from "./IngestStreams.ts"
import { JobStatusStore } from "./JobStatusStore.ts"
import { DLQ_SUBJECT_PREFIX, INGEST_SUBJECTS, MAX_DELIVERIES_ADVISORY } from "./Topology.ts"

/**
 * Dead letters: a copy of the command in INGEST_DLQ (message id `dlq-<seq>`, so a second copy of
 * the same delivery is dropped) with the reason in headers, then the command leaves INGEST.
 *
 * On 2.9 a message that ran out of deliveries stays in a work-queue stream for ever, pinning its
 * dedupe key and the consumer's ack floor. The watch below removes such messages: from the
 * MAX_DELIVERIES advisory as it happens, and by a periodic sweep for advisories nobody heard (no
 * worker was up, or the one that got the last delivery was killed).
 */

export interface DeadLetterReason {
  readonly code: string
  readonly message: string
  readonly attempts: number
}

export const DeadLetterHeader = {
  code: "Liverc-Error-Code",
  message: "Liverc-Error-Message",
  attempts: "Liverc-Attempts",
  subject: "Liverc-Original-Subject",
  seq: "Liverc-Original-Seq",
  at: "Liverc-Dead-At"
} as const

/** Header values are one line; a stack trace or HTML in an error must not break the protocol. */
const headerValue = (text: string) => text.replace(/[\r\n]+/g, " ").slice(0, 1024)

const MaxDeliveriesAdvisory = Schema.Struct({ stream_seq: Schema.Int, deliveries: Schema.Int })
const decodeAdvisory = Schema.decodeUnknownEffect(Schema.fromJsonString(MaxDeliveriesAdvisory))

export class DeadLetter extends Context.Service<DeadLetter, {
  /** For a message in hand (poison or terminal failure): copy, then term (which removes it). */
  readonly fromDelivery: (msg: Delivery, reason: DeadLetterReason) => Effect.Effect<void, JetStreamFailure>
  /** For a message the consumer gave up on: copy by sequence, then delete. False if it is gone. */
  readonly fromStream: (seq: number, reason: DeadLetterReason) => Effect.Effect<boolean, JetStreamFailure>
  /** Settles a message the consumer will never deliver again: DLQ + status failed, or removal. */
  readonly settleAbandoned: (seq: number, deliveries: number) => Effect.Effect<void, JetStreamFailure>
  /** One pass over delivered, unacknowledged messages for ones stuck after max_deliver. */
  readonly sweep: Effect.Effect<number, JetStreamFailure>
}>()("liverc-ingest/queue/DeadLetter") {
  static readonly layer = Layer.effect(
    DeadLetter,
    Effect.gen(function*() {
      const { nats, topology } = yield* IngestStreams
      const store = yield* JobStatusStore
      const ingest = topology.ingest.name
      const { ackWaitMillis, maxDeliver } = topology.settings

      const copy = (
        source: { readonly subject: string; readonly seq: number; readonly data: Uint8Array },
        reason: DeadLetterReason
      ) => {
        const h = natsHeaders()
        h.set(DeadLetterHeader.code, headerValue(reason.code))
        h.set(DeadLetterHeader.message, headerValue(reason.message))
        h.set(DeadLetterHeader.attempts, String(reason.attempts))
        h.set(DeadLetterHeader.subject, source.subject)
        h.set(DeadLetterHeader.seq, String(source.seq))
        h.set(DeadLetterHeader.at, new Date().toISOString())
        return jetStreamCall(
          "dead-letter publish",
          () => nats.js.publish(`${DLQ_SUBJECT_PREFIX}${source.subject}`, source.data, { msgID: `dlq-${source.seq}`, headers: h })
        )
      }

      const fromDelivery = Effect.fn("DeadLetter.fromDelivery")(function*(msg: Delivery, reason: DeadLetterReason) {
        yield* copy(msg, reason)
        msg.term()
        yield* Effect.logWarning(`dead-lettered ${msg.subject} seq ${msg.seq}: ${reason.code} ${reason.message}`)
      })

      const stored = (seq: number) =>
        jetStreamCall("stream get", () => nats.jsm.direct.getMessage(ingest, { seq })).pipe(
          Effect.map((m): StoredMsg | null => m !== null && m.seq === seq ? m : null)
        )

      const remove = (seq: number) =>
        jetStreamCall("stream delete", () => nats.jsm.streams.deleteMessage(ingest, seq, false)).pipe(
          Effect.asVoid,
          Effect.catchIf((f) => f.code === ApiCode.noMessageFound, () => Effect.void)
        )

      const fromStream = Effect.fn("DeadLetter.fromStream")(function*(seq: number, reason: DeadLetterReason) {
        const msg = yield* stored(seq)
        if (msg === null) return false
        yield* copy(msg, reason)
        yield* remove(seq)
        yield* Effect.logWarning(`dead-lettered ${msg.subject} seq ${seq}: ${reason.code} ${reason.message}`)
        return true
      })

      const giveUpReason = (status: JobStatus, deliveries: number): DeadLetterReason => ({
        code: status.error_code ?? "MAX_DELIVER_EXCEEDED",
        message: `gave up after ${deliveries} deliveries: ${
          status.error_message ?? "no worker finished it within the ack wait (worker lost?)"
        }`,
        attempts: deliveries
      })

      const settle = (msg: StoredMsg, deliveries: number, status: Option.Option<JobStatus>) =>
        Effect.gen(function*() {
          if (Option.isNone(status)) {
            yield* fromStream(msg.seq, { code: "MAX_DELIVER_EXCEEDED", message: `gave up after ${deliveries} deliveries`, attempts: deliveries })
            return
          }
          const current = status.value
          if (current.status === "completed" || current.status === "cancelled") {
            // Finished, only its ack or term got lost: nothing to keep.
            yield* remove(msg.seq)
            return
          }
          const reason = current.status === "failed"
            ? { code: current.error_code ?? "FAILED", message: current.error_message ?? "failed", attempts: deliveries }
            : giveUpReason(current, deliveries)
          // Status first: if we die after it, the sweep still finds the message and copies it.
          yield* store.modify(
            current.job_id,
            (s) => ownsMessage(s, msg.seq) ? toFailed(s, reason.code, reason.message, new Date().toISOString()) : undefined
          ).pipe(Effect.catchTag("CorruptStatus", () => Effect.void))
          yield* fromStream(msg.seq, reason)
        })

      /**
       * The status of the job whose message this is. None for poison (no job), for a status that
       * does not decode, and for a status that is another message's (a command reusing a job id):
       * then only the message is dealt with, never that job.
       */
      const statusOf = (msg: StoredMsg) =>
        decodeCommandJson(msg.string()).pipe(
          Effect.option,
          Effect.flatMap((command) =>
            Option.match(command, {
              onNone: () => Effect.succeed(Option.none<JobStatus>()),
              onSome: (c) =>
                store.get(c.job_id).pipe(
                  Effect.map(Option.flatMap((s) => ownsMessage(s.status, msg.seq) ? Option.some(s.status) : Option.none())),
                  Effect.catchTag("CorruptStatus", (corrupt) =>
                    Effect.logWarning(corrupt.message).pipe(Effect.as(Option.none<JobStatus>()))
                  )
                )
            })
          )
        )

      const settleAbandoned = Effect.fn("DeadLetter.settleAbandoned")(function*(seq: number, deliveries: number) {
        const msg = yield* stored(seq)
        if (msg === null) return
        yield* settle(msg, deliveries, yield* statusOf(msg))
      })

      // A live worker rewrites a running status at least every ack wait; twice that plus slack
      // without a word means nobody holds the job.
      const silentFor = 2 * ackWaitMillis + 1000

      const sweep = Effect.gen(function*() {
        const info = yield* jetStreamCall("consumer info", () => nats.jsm.consumers.info(ingest, topology.workers.durable_name))
        const last = info.delivered.stream_seq
        let next = info.ack_floor.stream_seq + 1
        let settled = 0
        while (next <= last) {
          const msg = yield* jetStreamCall(
            "stream get",
            () => nats.jsm.direct.getMessage(ingest, { seq: next, next_by_subj: INGEST_SUBJECTS })
          )
          if (msg === null || msg.seq > last) break
          next = msg.seq + 1
          const status = yield* statusOf(msg)
          const stuck = Option.match(status, {
            // Poison never gets a status; after max_deliver rounds of ack wait it is surely abandoned.
            onNone: () => Date.now() - msg.time.getTime() > maxDeliver * silentFor,
            onSome: (s) =>
              Date.now() - Date.parse(s.updated_at) > silentFor && (isTerminal(s.status) || s.attempts >= maxDeliver)
          })
          if (stuck) {
            yield* settle(msg, Option.match(status, { onNone: () => maxDeliver, onSome: (s) => s.attempts }), status)
            settled++
          }
        }
        return settled
      }).pipe(Effect.withSpan("DeadLetter.sweep"))

      return DeadLetter.of({ fromDelivery, fromStream, settleAbandoned, sweep })
    })
  )

  /** The advisory listener and the periodic sweep, for the lifetime of the layer. */
  static readonly watch = Layer.effectDiscard(Effect.gen(function*() {
    const { nats, topology } = yield* IngestStreams
    const deadLetter = yield* DeadLetter
    const advisories = yield* subscribeQueue(nats.nc, MAX_DELIVERIES_ADVISORY)
    yield* Effect.forkScoped(supervisedLoop(
      "max-deliveries advisory listener",
      Effect.gen(function*() {
        const msg = yield* Queue.take(advisories)
        const advisory = yield* decodeAdvisory(msg.string()).pipe(Effect.option)
        if (Option.isNone(advisory)) return
        yield* deadLetter.settleAbandoned(advisory.value.stream_seq, advisory.value.deliveries).pipe(
          Effect.catch((failure) => Effect.logWarning(`max-deliveries advisory not settled: ${failure.message}`))
        )
      })
    ))
    yield* Effect.forkScoped(supervisedLoop(
      "dead-letter sweep",
      deadLetter.sweep.pipe(
        Effect.tap((n) => n > 0 ? Effect.logWarning(`sweep settled ${n} abandoned messages`) : Effect.void),
        Effect.catch((failure) => Effect.logWarning(`dead-letter sweep failed: ${failure.message}`)),
        Effect.andThen(Effect.sleep(topology.settings.ackWaitMillis))
      )
    ))
  }))
}
