import { Context, Effect, Layer, Schema, type Scope } from "effect"
import type { Command, JobId, JobKind } from "../jobs/Commands.ts"

/**
 * What a job does, as the actors see it. A handler gets the decoded command and a context, runs
 * inside the job's own scope (interrupting the job closes it and interrupts every child fiber the
 * handler forked), and ends with a result record or one of two typed failures that decide what
 * the queue does next.
 */

/** Worth another delivery: network trouble, LiveRC 5xx/429, a lock held elsewhere. */
export class RetryableJobError extends Schema.TaggedError<RetryableJobError>()("RetryableJobError", {
  code: Schema.String,
  message: Schema.String
}) {}

/** Will fail the same way every time: unknown event, unparseable page, bad command. */
export class TerminalJobError extends Schema.TaggedError<TerminalJobError>()("TerminalJobError", {
  code: Schema.String,
  message: Schema.String
}) {}

export type JobFailure = RetryableJobError | TerminalJobError

export type JobResult = Record<string, unknown>

export interface JobContext {
  readonly jobId: JobId
  /** Delivery number, 1 on the first run. */
  readonly attempt: number
  /** Coalesced: at most about two status writes a second reach the bucket. */
  readonly reportProgress: (stage: string, done: number, total: number | null) => Effect.Effect<void>
}

export type JobHandler<C extends Command = Command> = (
  command: C,
  context: JobContext
) => Effect.Effect<JobResult, JobFailure, Scope.Scope>

/** One handler per job kind: a kind added to the command contract without one is a type error here. */
export type JobHandlerMap = {
  readonly [K in JobKind]: JobHandler<Extract<Command, { readonly kind: K }>>
}

export class JobHandlers extends Context.Service<JobHandlers, {
  readonly run: JobHandler
}>()("liverc-ingest/actors/JobHandlers") {
  /** Dispatch by command kind. */
  static readonly fromMap = (handlers: JobHandlerMap): JobHandlers["Service"] => ({
    // The map's type pairs each kind with its command type; indexing by a union loses that pairing.
    run: (command, context) => (handlers[command.kind] as JobHandler)(command, context)
  })

  static readonly layer = (handlers: JobHandlerMap) => Layer.succeed(JobHandlers, JobHandlers.fromMap(handlers))
}
