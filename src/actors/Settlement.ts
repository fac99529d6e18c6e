import { Cause, Exit, Option } from "effect"
import type { JobFailure, JobResult } from "./JobHandler.ts"

/**
 * The outcome table of a job run, as a pure function: how the run ended decides what happens to
 * the job's status and to its message. JobSettler carries it out.
 *
 * | outcome                             | status                    | message                      |
 * |-------------------------------------|---------------------------|------------------------------|
 * | success                             | completed (+ result)      | ack                          |
 * | retryable, deliveries left          | queued (+ error)          | nak(exponential backoff)     |
 * | retryable on the last delivery      | failed                    | copy to INGEST_DLQ, term     |
 * | terminal                            | failed                    | copy to INGEST_DLQ, term     |
 * | defect (a bug)                      | as retryable, INTERNAL_ERROR                             |
 * | cancel (signal, or status on beat)  | cancelled                 | handler interrupted, term    |
 * | shutdown after the grace period     | queued                    | handler interrupted, nak now |
 * | superseded (a later delivery holds it) | untouched              | handler interrupted, let go  |
 */

/**
 * Why a running job was stopped from outside: a cancel, the worker shutting down, or a later
 * delivery of the same message taken by another worker (this one stalled past the ack wait).
 */
export type StopReason = "cancelled" | "shutdown" | "superseded"

export type Outcome =
  | { readonly _tag: "Finished"; readonly exit: Exit.Exit<JobResult, JobFailure> }
  | { readonly _tag: "Stopped"; readonly reason: StopReason }

export type Settlement =
  | { readonly _tag: "Complete"; readonly result: JobResult }
  | { readonly _tag: "Retry"; readonly code: string; readonly message: string; readonly delayMillis: number }
  | { readonly _tag: "Fail"; readonly code: string; readonly message: string }
  | { readonly _tag: "Cancel" }
  | { readonly _tag: "HandBack" }
  /** The job belongs to a later delivery now: neither its status nor the message is ours to touch. */
  | { readonly _tag: "LetGo" }

export interface SettlementRules {
  readonly maxDeliver: number
  /** The nak delay after a retryable failure of delivery `attempt` (1-based). */
  readonly retryDelayMillis: (attempt: number) => number
}

const firstLine = (text: string) => text.split("\n")[0] ?? text

/** A defect's cause on one bounded line, for the job's error message. */
export const describeCause = (cause: Cause.Cause<unknown>) => firstLine(Cause.pretty(cause)).slice(0, 500)

const failure = (
  code: string,
  message: string,
  retryable: boolean,
  attempt: number,
  rules: SettlementRules
): Settlement =>
  retryable && attempt < rules.maxDeliver
    ? { _tag: "Retry", code, message, delayMillis: rules.retryDelayMillis(attempt) }
    : { _tag: "Fail", code, message: retryable ? `${message} (gave up after ${attempt} deliveries)` : message }

export const settlementOf = (outcome: Outcome, attempt: number, rules: SettlementRules): Settlement => {
  if (outcome._tag === "Stopped") {
    return outcome.reason === "cancelled"
      ? { _tag: "Cancel" }
      : outcome.reason === "shutdown"
      ? { _tag: "HandBack" }
      : { _tag: "LetGo" }
  }
  const exit = outcome.exit
  if (Exit.isSuccess(exit)) return { _tag: "Complete", result: exit.value }
  const error = Cause.findErrorOption(exit.cause)
  if (Option.isSome(error)) {
    return failure(error.value.code, error.value.message, error.value._tag === "RetryableJobError", attempt, rules)
  }
  // A defect is a bug or an unexpected exception: worth another try.
  return failure("INTERNAL_ERROR", describeCause(exit.cause), true, attempt, rules)
}
