import { Context, Effect, Layer, Option, Schedule } from "effect"
import { type JetStreamFailure, jetStreamCall } from "../broker/JetStreamFailure.ts"
import { decodeCommandJson } from "../jobs/Commands.ts"
import { isTerminal } from "../jobs/JobStatus.ts"
import { queuedStatus, touched } from "../jobs/JobTransitions.ts"
import { IngestStreams } from "./IngestStreams.ts"
import { JobStatusStore } from "./JobStatusStore.ts"
import { INGEST_SUBJECTS } from "./Topology.ts"

/**
 * On nats-server 2.9 the bucket TTL applies to every entry, so a status lives only TTL after its
 * last write. Finished jobs are never written again and vanish, as intended; a live job must not.
 * Its worker rewrites a running status as it heartbeats; this keeper, running in every process,
 * walks the commands still in INGEST (that is, exactly the live jobs, at most INGEST_QUEUE_MAX)
 * and rewrites any status older than a third of the TTL, and recreates a status that is missing
 * (its enqueuer died between publish and status write, or it expired while nobody kept it).
 */

export interface KeeperPass {
  readonly seen: number
  readonly touched: number
  readonly recreated: number
}

export class StatusKeeper extends Context.Service<StatusKeeper, {
  readonly pass: Effect.Effect<KeeperPass, JetStreamFailure>
}>()("liverc-ingest/queue/StatusKeeper") {
  static readonly layer = Layer.effect(
    StatusKeeper,
    Effect.gen(function*() {
      const { nats, topology } = yield* IngestStreams
      const store = yield* JobStatusStore
      const touchAfter = topology.settings.jobTtlMillis / 3

      const pass = Effect.gen(function*() {
        const counts = { seen: 0, touched: 0, recreated: 0 }
        let next = 1
        while (true) {
          const msg = yield* jetStreamCall(
            "stream get",
            () => nats.jsm.direct.getMessage(topology.ingest.name, { seq: next, next_by_subj: INGEST_SUBJECTS })
          )
          if (msg === null) break
          next = msg.seq + 1
          counts.seen++
          const command = yield* decodeCommandJson(msg.string()).pipe(Effect.option)
          // Poison has no status to keep; the worker dead-letters it.
          if (Option.isNone(command)) continue
          const current = yield* store.get(command.value.job_id)
          if (Option.isNone(current)) {
            const created = yield* store.create(queuedStatus(command.value, msg.seq, msg.time.toISOString()))
            if (Option.isSome(created)) counts.recreated++
            continue
          }
          const { revision, status, writtenAt } = current.value
          if (isTerminal(status.status) || Date.now() - writtenAt.getTime() < touchAfter) continue
          const refreshed = touched(status, new Date().toISOString())
          // A CAS miss means someone else just wrote it: fresh either way.
          if (refreshed !== undefined && Option.isSome(yield* store.update(refreshed, revision))) counts.touched++
        }
        return counts satisfies KeeperPass
      }).pipe(Effect.withSpan("StatusKeeper.pass"))

      return StatusKeeper.of({ pass })
    })
  )

  /** Runs a pass every sixth of the TTL for the lifetime of the layer. */
  static readonly run = Layer.effectDiscard(Effect.gen(function*() {
    const keeper = yield* StatusKeeper
    const { topology } = yield* IngestStreams
    yield* Effect.forkScoped(
      keeper.pass.pipe(
        Effect.tap((p) =>
          p.recreated > 0 ? Effect.logWarning(`status keeper recreated ${p.recreated} missing job statuses`) : Effect.void
        ),
        Effect.catch((failure) => Effect.logWarning(`status keeper pass failed: ${failure.message}`)),
        Effect.repeat(Schedule.spaced(Math.max(250, topology.settings.jobTtlMillis / 6)))
      )
    )
  }))
}
