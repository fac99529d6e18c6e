import { Effect, Runtime, Schema } from "effect"
import { CliError } from "effect/cli"

/**
 * Exit codes of the queue commands (`ingest`, `sync`, `discover`, `status`, `jobs`, `dlq`,
 * `cancel`, `pause`, `resume`), documented in docs/operations.md:
 *
 * | code | meaning |
 * |---|---|
 * | 0 | done: the command was accepted (or, with --wait, the job completed) |
 * | 1 | the job failed (--wait), or the job / dead letter asked for does not exist |
 * | 2 | the job was cancelled (--wait) |
 * | 3 | bad input: an invalid argument, flag or environment value; nothing was sent |
 * | 4 | the queue cannot take it: NATS unreachable or erroring, or the queue is full |
 * | 5 | what NATS holds cannot be read: the job's stored status does not decode |
 *
 * Each outcome is an error class carrying its code (`Runtime.errorExitCode`), so the platform
 * runner exits with it; the message is printed once, by Command.run (userMessage) or by the
 * command itself (errorReported = false).
 */
export const ExitCode = {
  ok: 0,
  failed: 1,
  cancelled: 2,
  badInput: 3,
  unavailable: 4,
  corrupt: 5
} as const

/** An argument or flag the command cannot use; nothing was published. */
export class BadInput extends Schema.TaggedError<BadInput>()("BadInput", {
  reason: Schema.String
}) {
  override readonly [Runtime.errorExitCode] = ExitCode.badInput
  override get message() {
    return this.reason
  }
  override get [CliError.userMessage]() {
    return this.reason
  }
}

/** NATS did not answer, answered with an error, or the queue refused the command as full. */
export class QueueUnreachable extends Schema.TaggedError<QueueUnreachable>()("QueueUnreachable", {
  reason: Schema.String
}) {
  override readonly [Runtime.errorExitCode] = ExitCode.unavailable
  override get message() {
    return this.reason
  }
  override get [CliError.userMessage]() {
    return this.reason
  }
}

/** For catchTags: any failure to reach or use the queue (QueueFull, QueueUnavailable, JetStreamFailure). */
export const unreachable = (error: { readonly message: string }) => Effect.fail(new QueueUnreachable({ reason: error.message }))

/** The job's status document in NATS does not decode; the message says how to clear it. */
export class CorruptData extends Schema.TaggedError<CorruptData>()("CorruptData", {
  reason: Schema.String
}) {
  override readonly [Runtime.errorExitCode] = ExitCode.corrupt
  override get message() {
    return this.reason
  }
  override get [CliError.userMessage]() {
    return this.reason
  }
}

/** For catchTags: a status document that does not decode (CorruptStatus). */
export const corrupt = (error: { readonly message: string; readonly jobId: string }) =>
  Effect.fail(
    new CorruptData({
      reason: `${error.message}; remove it with \`nats kv del ingest_jobs ${error.jobId}\` (a worker holding the job writes it again)`
    })
  )

/** A job or dead letter that does not exist. */
export class NotFound extends Schema.TaggedError<NotFound>()("NotFound", {
  reason: Schema.String
}) {
  override readonly [Runtime.errorExitCode] = ExitCode.failed
  override get message() {
    return this.reason
  }
  override get [CliError.userMessage]() {
    return this.reason
  }
}

/** The followed job ended `failed`; its code and message are already on stderr. */
export class JobFailed extends Schema.TaggedError<JobFailed>()("JobFailed", {
  jobId: Schema.String
}) {
  override readonly [Runtime.errorExitCode] = ExitCode.failed
  override readonly [Runtime.errorReported] = false
}

/** The followed job ended `cancelled`; already said on stderr. */
export class JobCancelled extends Schema.TaggedError<JobCancelled>()("JobCancelled", {
  jobId: Schema.String
}) {
  override readonly [Runtime.errorExitCode] = ExitCode.cancelled
  override readonly [Runtime.errorReported] = false
}

/** Command.run's parse errors (help + errors already printed), with the bad-input code. */
export class UsageError extends Schema.TaggedError<UsageError>()("UsageError", {}) {
  override readonly [Runtime.errorExitCode] = ExitCode.badInput
  override readonly [Runtime.errorReported] = false
}

const isUsageError = (error: unknown): boolean =>
  CliError.isCliError(error) && error._tag === "ShowHelp" && error.errors.length > 0

/**
 * For the root of the program: an invalid argument or flag exits with 3 (bad input) instead of
 * the CLI library's 1, which the queue commands use for a failed job. `--help` stays 0.
 */
export const withUsageExitCode = <A, E, R>(program: Effect.Effect<A, E, R>): Effect.Effect<A, E | UsageError, R> =>
  Effect.mapError(program, (error) => isUsageError(error) ? new UsageError() : error)
