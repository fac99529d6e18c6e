import { Effect, Option } from "effect"
import type { JetStreamFailure } from "../broker/JetStreamFailure.ts"
import { isTerminal, type JobStatus } from "../jobs/JobStatus.ts"
import { toCancelled, toCompleted, toFailed, toRequeued, toRetrying } from "../jobs/JobTransitions.ts"
import { covers } from "../jobs/JobUpgrade.ts"
import type { JobOutcome } from "../observability/WorkerMetrics.ts"
import type { DeadLetter } from "../queue/DeadLetter.ts"
import type { Delivery } from "../queue/Delivery.ts"
import type { JobStatusStore, Modified, StatusStoreFailure } from "../queue/JobStatusStore.ts"
import { now, type RunningJob, transition } from "./RunningJob.ts"
import type { Settlement } from "./Settlement.ts"

/**
 * Carries out a Settlement: the status write (CAS, from `running`), then the message's ack, nak
 * or term, with a dead-letter copy first where the job failed. A cancel that landed meanwhile
 * wins over any outcome but completion's ack: the job then ends cancelled and its message termed.
 */

export interface JobSettler {
  readonly settle: (job: RunningJob, settlement: Settlement) => Effect.Effect<JobOutcome, StatusStoreFailure>
  /** A delivery of a job that already ended: make the message go away for good. */
  readonly settleFinished: (status: JobStatus, delivery: Delivery) => Effect.Effect<void, JetStreamFailure>
}

export const makeJobSettler = (store: JobStatusStore["Service"], deadLetter: DeadLetter["Service"]): JobSettler => {
  const cancelledMeanwhile = (job: RunningJob): Effect.Effect<JobOutcome> =>
    Effect.sync(() => {
      job.delivery.term()
      return "cancelled" as const
    })

  const letGo = (job: RunningJob): Effect.Effect<JobOutcome> =>
    Effect.logWarning(
      `job ${job.jobId} delivery ${job.delivery.deliveryCount} was superseded by a later delivery; letting go`
    ).pipe(Effect.as("superseded" as const))

  /** Runs again at once, on its next delivery, as its raised status asks. */
  const upgradedMeanwhile = (job: RunningJob): Effect.Effect<JobOutcome, StatusStoreFailure> =>
    transition(store, job, (s) => toRequeued(s, now())).pipe(
      Effect.andThen(Effect.sync(() => job.delivery.nak())),
      Effect.andThen(Effect.logInfo(`job ${job.jobId} was upgraded as it completed; handed back to run as asked`)),
      Effect.as("requeued" as const)
    )

  /** The write was refused because a later delivery holds the job: nothing here is ours to settle. */
  const superseded = (job: RunningJob, result: Option.Option<Modified>) =>
    Option.isSome(result) && !result.value.changed && !isTerminal(result.value.status.status) &&
    result.value.status.attempts > job.delivery.deliveryCount

  const settle = (job: RunningJob, settlement: Settlement): Effect.Effect<JobOutcome, StatusStoreFailure> =>
    Effect.gen(function*() {
      const { delivery, jobId } = job
      switch (settlement._tag) {
        case "Complete": {
          // Upgraded between the handler's last look and this write: not done yet.
          const result = yield* transition(
            store,
            job,
            (s) => covers(job.command, s.params) ? toCompleted(s, settlement.result, now()) : undefined
          )
          if (superseded(job, result)) return yield* letGo(job)
          if (Option.isSome(result) && !result.value.changed && result.value.status.status === "cancelled") {
            return yield* cancelledMeanwhile(job)
          }
          if (Option.isSome(result) && !result.value.changed && !isTerminal(result.value.status.status)) {
            return yield* upgradedMeanwhile(job)
          }
          delivery.ack()
          return "completed" as const
        }
        case "Retry": {
          const result = yield* transition(store, job, (s) => toRetrying(s, settlement.code, settlement.message, now()))
          if (superseded(job, result)) return yield* letGo(job)
          if (Option.isSome(result) && !result.value.changed) return yield* cancelledMeanwhile(job)
          delivery.nak(settlement.delayMillis)
          yield* Effect.logWarning(
            `job ${jobId} attempt ${delivery.deliveryCount} failed (${settlement.code}); retry in ${settlement.delayMillis} ms`
          )
          return "retried" as const
        }
        case "Fail": {
          const result = yield* transition(store, job, (s) => toFailed(s, settlement.code, settlement.message, now()))
          if (superseded(job, result)) return yield* letGo(job)
          if (Option.isSome(result) && !result.value.changed && result.value.status.status !== "failed") {
            return yield* cancelledMeanwhile(job)
          }
          yield* deadLetter.fromDelivery(delivery, {
            code: settlement.code,
            message: settlement.message,
            attempts: delivery.deliveryCount
          })
          return "failed" as const
        }
        case "Cancel": {
          if (superseded(job, yield* transition(store, job, (s) => toCancelled(s, now())))) return yield* letGo(job)
          delivery.term()
          yield* Effect.logInfo(`job ${jobId} cancelled while running`)
          return "cancelled" as const
        }
        case "LetGo":
          return yield* letGo(job)
        case "HandBack": {
          if (superseded(job, yield* transition(store, job, (s) => toRequeued(s, now())))) return yield* letGo(job)
          delivery.nak()
          yield* Effect.logInfo(`job ${jobId} handed back at shutdown`)
          return "requeued" as const
        }
      }
    })

  const settleFinished = (status: JobStatus, delivery: Delivery) =>
    status.status === "completed"
      ? Effect.sync(() => delivery.ack())
      : status.status === "failed"
      // It failed, but the copy to the DLQ or the term did not happen (worker died in between).
      ? deadLetter.fromDelivery(delivery, {
        code: status.error_code ?? "FAILED",
        message: status.error_message ?? "failed",
        attempts: delivery.deliveryCount
      })
      : Effect.sync(() => delivery.term())

  return { settle, settleFinished }
}
