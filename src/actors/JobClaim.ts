import { Effect, Option } from "effect"
import type { JetStreamFailure } from "../broker/JetStreamFailure.ts"
import type { Command } from "../jobs/Commands.ts"
import { isTerminal } from "../jobs/JobStatus.ts"
import { queuedStatus, toRunning } from "../jobs/JobTransitions.ts"
import type { Delivery } from "../queue/Delivery.ts"
import type { JobStatusStore, StoredStatus } from "../queue/JobStatusStore.ts"
import type { JobSettler } from "./JobSettler.ts"
import { now } from "./RunningJob.ts"

/**
 * Whether a delivery may run: the status the job starts from, or None when it must not run
 * (finished or cancelled already; its message is then settled for good here). The `running`
 * write comes later (RunningJobs), except on the last allowed delivery, which records its
 * attempt before the job runs: should this worker die, the dead-letter sweep learns from the
 * status that no delivery is left.
 */
export const makeJobClaim = (store: JobStatusStore["Service"], settler: JobSettler, maxDeliver: number) =>
(command: Command, delivery: Delivery): Effect.Effect<Option.Option<StoredStatus>, JetStreamFailure> =>
  Effect.gen(function*() {
    const attempt = delivery.deliveryCount
    while (true) {
      const read = yield* store.get(command.job_id)
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
      if (isTerminal(current.status.status)) {
        yield* settler.settleFinished(current.status, delivery)
        return Option.none()
      }
      if (attempt < maxDeliver) return Option.some(current)
      const result = yield* store.modify(command.job_id, (s) => toRunning(s, attempt, now()), current)
      if (Option.isNone(result)) continue
      if (result.value.changed) return Option.some<StoredStatus>(result.value)
      yield* settler.settleFinished(result.value.status, delivery)
      return Option.none()
    }
  })
