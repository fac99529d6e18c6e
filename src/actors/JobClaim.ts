import { Effect, Option } from "effect"
import type { Command } from "../jobs/Commands.ts"
import { isTerminal, ownsMessage } from "../jobs/JobStatus.ts"
import { queuedStatus, toRunning } from "../jobs/JobTransitions.ts"
import type { Delivery } from "../queue/Delivery.ts"
import type { JobStatusStore, StatusStoreFailure, StoredStatus } from "../queue/JobStatusStore.ts"
import type { JobSettler } from "./JobSettler.ts"
import { now } from "./RunningJob.ts"

/**
 * Whether a delivery may run.
 *
 * - Run: the status the job starts from. The `running` write comes later (RunningJobs), except on
 *   the last allowed delivery, which records its attempt before the job runs: should this worker
 *   die, the dead-letter sweep learns from the status that no delivery is left.
 * - Done: the job already ended (or was cancelled); its message is settled for good here.
 * - NotItsJob: the status under this job id belongs to another message. The command reuses a job
 *   id it does not own (published by hand); the caller dead-letters it and leaves that job alone.
 *
 * A status that does not decode is written afresh from the command this delivery carries, over
 * the corrupt revision: one damaged document stops nothing but itself.
 */
export type Claim =
  | { readonly _tag: "Run"; readonly status: StoredStatus }
  | { readonly _tag: "Done" }
  | { readonly _tag: "NotItsJob"; readonly ownerSeq: number }

export const makeJobClaim = (store: JobStatusStore["Service"], settler: JobSettler, maxDeliver: number) => {
  /** Replaces an undecodable status with the one this delivery would start from. */
  const repair = (command: Command, delivery: Delivery, revision: number) =>
    Effect.gen(function*() {
      yield* Effect.logWarning(`status of job ${command.job_id} does not decode; writing it afresh from its command`)
      yield* store.update(queuedStatus(command, delivery.seq, now()), revision)
    })

  return (command: Command, delivery: Delivery): Effect.Effect<Claim, StatusStoreFailure> =>
    Effect.gen(function*() {
      const attempt = delivery.deliveryCount
      while (true) {
        const read = yield* store.get(command.job_id).pipe(
          Effect.catchTag("CorruptStatus", (corrupt) =>
            repair(command, delivery, corrupt.revision).pipe(Effect.as(undefined))
          )
        )
        // Repaired (or someone else wrote meanwhile): read again.
        if (read === undefined) continue
        let current: StoredStatus
        if (Option.isSome(read)) {
          current = read.value
        } else {
          // No status yet: the enqueuer is still writing it, or it was lost. Write what it would
          // have (its own create then fails and it answers with ours), or read the one that won.
          const queued = queuedStatus(command, delivery.seq, now())
          const created = yield* store.create(queued)
          if (Option.isNone(created)) continue
          current = { status: queued, revision: created.value, writtenAt: new Date() }
        }
        if (!ownsMessage(current.status, delivery.seq)) {
          return { _tag: "NotItsJob", ownerSeq: current.status.stream_seq ?? 0 } satisfies Claim
        }
        if (isTerminal(current.status.status)) {
          yield* settler.settleFinished(current.status, delivery)
          return { _tag: "Done" } satisfies Claim
        }
        if (attempt < maxDeliver) return { _tag: "Run", status: current } satisfies Claim
        const result = yield* store.modify(command.job_id, (s) => toRunning(s, attempt, now()), current)
        if (Option.isNone(result)) continue
        if (result.value.changed) return { _tag: "Run", status: result.value } satisfies Claim
        yield* settler.settleFinished(result.value.status, delivery)
        return { _tag: "Done" } satisfies Claim
      }
    })
}
