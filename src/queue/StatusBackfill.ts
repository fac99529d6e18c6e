import { Context, Effect, Layer, Option } from "effect"
import { type JetStreamFailure, jetStreamCall } from "../broker/JetStreamFailure.ts"
import type { StoredMessage } from "../broker/JetStreamRequests.ts"
import { decodeCommandJson } from "../jobs/Commands.ts"
import { queuedStatus } from "../jobs/JobTransitions.ts"
import { supervisedLoop } from "../observability/Supervision.ts"
import { IngestStreams } from "./IngestStreams.ts"
import { JobStatusStore, MAX_BATCH_READ } from "./JobStatusStore.ts"

/**
 * Gives every queued command a status, so a job is readable from any gateway from the moment it
 * is in the queue: one published by hand (services may publish straight to NATS), or one whose
 * enqueuer died between its publish and its status write. Gateways run it (statuses are read
 * through them); a worker writes the status of a delivery that has none before it runs it
 * (JobClaim). It only creates (a status that exists, a worker's included, is never overwritten),
 * and each pass reads only the messages that arrived since the last one, so its cost follows the
 * arrival rate, not the queue's length. Statuses need no other care: a live job's never expires,
 * a finished one's carries its TTL (JobStatusStore).
 *
 * A pass must cost next to nothing when, as almost always, every arrival already has its status:
 * it reads arrivals MAX_BATCH_READ at a time (one batch direct get) and their statuses the same
 * way (one multi-subject get, keyed by the arrival's Nats-Msg-Id, which JobQueue sets to the job
 * id), and decodes and writes only what is missing. It looks only at arrivals that were already
 * in the stream when the previous pass began (a pass asks for the stream's last sequence first), so an
 * enqueuer has had a whole interval to write its status and is not raced: no clock is compared.
 * Nor does it look at what workers were already given, nor at what this process enqueued itself
 * (JobStatusStore.createdHere): a gateway that takes all the traffic reads nothing. A burst from
 * elsewhere is worked through at most
 * BACKFILL_BUDGET arrivals a pass, yielding between batches, so it never holds up the polls the
 * gateway answers meanwhile (bench:status).
 */

/** How often new arrivals are looked at: a hand-published job has a status within about two of these. */
export const BACKFILL_INTERVAL_MILLIS = 1_000
/** Arrivals looked at per pass at most; a larger burst takes several passes. */
export const BACKFILL_BUDGET = 4_096

export interface BackfillPass {
  readonly seen: number
  readonly created: number
}

/**
 * INGEST holds nothing but commands (`ingest.>`), so its scans ask for every subject: a filter
 * naming `ingest.>` costs the server a walk of its per-subject index for each message (5x the
 * CPU with 100,000 queued commands), and asking for the newest message by that filter 3.5 ms.
 */
const EVERY_SUBJECT = ">"

/** The job id an arrival names in its Nats-Msg-Id, when it looks like one. */
const msgIdOf = (msg: StoredMessage): string | undefined => {
  const id = msg.headers?.get("Nats-Msg-Id") ?? ""
  return /^[A-Za-z0-9_-]{8,64}$/.test(id) ? id : undefined
}

export class StatusBackfill extends Context.Service<StatusBackfill, {
  /** Looks at the commands that arrived since the last pass (all of them on the first). */
  readonly pass: Effect.Effect<BackfillPass, JetStreamFailure>
}>()("liverc-ingest/queue/StatusBackfill") {
  static readonly layer = Layer.effect(
    StatusBackfill,
    Effect.gen(function*() {
      const { nats, topology } = yield* IngestStreams
      const store = yield* JobStatusStore
      let next = 1
      // The newest arrival when the previous pass began: a pass looks up to it and no further.
      let horizon = 0

      /** Creates the statuses missing among `settled`; the number created. */
      const backfill = (settled: ReadonlyArray<StoredMessage>) =>
        Effect.gen(function*() {
          const named = settled.map((msg) => ({ msg, id: msgIdOf(msg) }))
          const statuses = yield* store.existing(named.flatMap(({ id }) => id === undefined ? [] : [id]))
          let created = 0
          for (const { id, msg } of named) {
            if (id !== undefined && statuses.has(id)) continue
            const command = yield* decodeCommandJson(msg.string()).pipe(Effect.option)
            // Poison has no status to give; the worker dead-letters it.
            if (Option.isNone(command)) continue
            const written = yield* store.create(queuedStatus(command.value, msg.seq, msg.time.toISOString()))
            if (Option.isSome(written)) created++
          }
          return created
        })

      const pass = Effect.gen(function*() {
        const counts = { seen: 0, created: 0 }
        const stream = yield* jetStreamCall("stream info", () => nats.jsm.streams.info(topology.ingest.name))
        const upTo = horizon
        horizon = Math.max(horizon, stream.state.last_seq)
        if (next > upTo) return counts satisfies BackfillPass
        const consumer = yield* jetStreamCall(
          "consumer info",
          () => nats.jsm.consumers.info(topology.ingest.name, topology.workers.durable_name)
        )
        let at = Math.max(next, consumer.delivered.stream_seq + 1)
        let budget = BACKFILL_BUDGET
        while (at <= upTo && budget > 0) {
          // What this process enqueued has its status already: read only the rest.
          if (store.createdHere(at)) {
            at++
            continue
          }
          const batch = Math.min(MAX_BATCH_READ, budget)
          const from = at
          const arrivals = yield* jetStreamCall(
            "stream get",
            () => nats.requests.range(topology.ingest.name, from, batch, EVERY_SUBJECT)
          )
          const settled = arrivals.filter((msg) => msg.seq <= upTo)
          // Fewer than asked for: nothing else up to the horizon (the rest was acked or deleted).
          at = settled.length < batch ? upTo + 1 : settled[settled.length - 1]!.seq + 1
          budget -= settled.length
          counts.seen += settled.length
          counts.created += yield* backfill(settled.filter((msg) => !store.createdHere(msg.seq)))
          yield* Effect.yieldNow
        }
        next = at
        store.forgetUpTo(next - 1)
        return counts satisfies BackfillPass
      }).pipe(Effect.withSpan("StatusBackfill.pass"))

      return StatusBackfill.of({ pass })
    })
  )

  /** Runs a pass every BACKFILL_INTERVAL_MILLIS for the lifetime of the layer. */
  static readonly run = Layer.effectDiscard(Effect.gen(function*() {
    const backfill = yield* StatusBackfill
    yield* Effect.forkScoped(supervisedLoop(
      "status backfill",
      backfill.pass.pipe(
        Effect.tap((p) =>
          p.created > 0 ? Effect.logWarning(`status backfill created ${p.created} missing job statuses`) : Effect.void
        ),
        Effect.catch((failure) => Effect.logWarning(`status backfill pass failed: ${failure.message}`)),
        Effect.andThen(Effect.sleep(BACKFILL_INTERVAL_MILLIS))
      )
    ))
  }))
}
