import { JetStreamApiError } from "@nats-io/jetstream"
import { Effect, Schema } from "effect"

/**
 * Any failed call to NATS, with the JetStream API error code when the server answered one. The
 * services above turn it into their own errors (QueueFull, QueueUnavailable, ...); a failure
 * without a code means the broker did not answer (down, reconnecting, timeout).
 */
export class JetStreamFailure extends Schema.TaggedError<JetStreamFailure>()("JetStreamFailure", {
  operation: Schema.String,
  /** JetStream `err_code` (e.g. 10071 wrong last sequence), null when the server did not answer. */
  code: Schema.NullOr(Schema.Int),
  reason: Schema.String
}) {
  override get message() {
    return `${this.operation} failed${this.code === null ? "" : ` (${this.code})`}: ${this.reason}`
  }
}

/** err_code values this project reacts to (nats-server errors.json). */
export const ApiCode = {
  consumerNotFound: 10014,
  noMessageFound: 10037,
  streamNameInUse: 10058,
  streamNotFound: 10059,
  wrongLastSequence: 10071,
  /** The same refusal from a replicated stream's leader (nats-server >= 2.10, clustered). */
  wrongLastSequenceClustered: 10164,
  /** Shared by "maximum messages exceeded", "... per subject exceeded" and "maximum bytes exceeded". */
  streamLimits: 10077
} as const

export const toJetStreamFailure = (operation: string) => (error: unknown): JetStreamFailure =>
  new JetStreamFailure({
    operation,
    code: error instanceof JetStreamApiError ? error.code : null,
    reason: error instanceof Error ? error.message : String(error)
  })

/** Runs one client call; the promise's rejection becomes a JetStreamFailure. */
export const jetStreamCall = <A>(operation: string, call: () => Promise<A>): Effect.Effect<A, JetStreamFailure> =>
  Effect.tryPromise({ try: call, catch: toJetStreamFailure(operation) })

/**
 * A compare-and-set lost to another writer: the expected last (subject) sequence no longer holds.
 * A single server answers 10071, a replicated stream's leader 10164 under concurrent writes; the
 * meaning is one, so it is read by meaning (either code, or the server's words).
 */
export const isWrongLastSequence = (failure: JetStreamFailure): boolean =>
  failure.code === ApiCode.wrongLastSequence || failure.code === ApiCode.wrongLastSequenceClustered ||
  (failure.code !== null && /wrong last sequence/i.test(failure.reason))

export const isPerSubjectLimit = (failure: JetStreamFailure): boolean =>
  failure.code === ApiCode.streamLimits && failure.reason.includes("per subject")

export const isStreamFull = (failure: JetStreamFailure): boolean =>
  failure.code === ApiCode.streamLimits && !failure.reason.includes("per subject")
