import { Context, Effect, Layer, Option } from "effect"
import { type JetStreamFailure, jetStreamCall } from "../broker/JetStreamFailure.ts"
import { decodeCommandJson } from "../jobs/Commands.ts"
import { queuedStatus } from "../jobs/JobTransitions.ts"
import { supervisedLoop } from "../observability/Supervision.ts"
import { IngestStreams } from "./IngestStreams.ts"
import { JobStatusStore } from "./JobStatusStore.ts"
import { INGEST_SUBJECTS } from "./Topology.ts"

/**
 * Gives every queued command a status, so a job is readable from the moment it is in the queue:
 * one published by hand (services may publish straight to NATS), or one whose enqueuer died
 * between its publish and its status write. It only creates (a status that exists, a worker's
 * included, is never overwritten), and each pass reads only the messages that arrived since the
 * last one, so its cost follows the arrival rate, not the queue's length. Statuses need no other
 * care: a live job's never expires, a finished one's carries its TTL (JobStatusStore).
 */

/** How often new arrivals are looked at: a hand-published job has a status within about this. */
export const BACKFILL_INTERVAL_MILLIS = 2_000

export interface BackfillPass {
  readonly seen: number
  readonly created: number
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

      const pass = Effect.gen(function*() {
        const counts = { seen: 0, created: 0 }
        while (true) {
          const msg = yield* jetStreamCall(
            "stream get",
            () => nats.jsm.direct.getMessage(topology.ingest.name, { seq: next, next_by_subj: INGEST_SUBJECTS })
          )
          if (msg === null) break
          next = msg.seq + 1
          counts.seen++
          const command = yield* decodeCommandJson(msg.string()).pipe(Effect.option)
          // Poison has no status to give; the worker dead-letters it.
          if (Option.isNone(command)) continue
          const created = yield* store.create(queuedStatus(command.value, msg.seq, msg.time.toISOString()))
          if (Option.isSome(created)) counts.created++
        }
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
