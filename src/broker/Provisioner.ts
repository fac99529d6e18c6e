import type { ConsumerInfo, JetStreamManager, StreamInfo } from "@nats-io/jetstream"
import { Effect, Schema } from "effect"
import { ApiCode, type JetStreamFailure, jetStreamCall } from "./JetStreamFailure.ts"
import type { ConsumerSpec, StreamSpec } from "./StreamSpec.ts"

/**
 * Applies the topology at start, in every process, any number of times: creates what is missing,
 * updates what changed, never deletes a stream or a message. After every create or update it
 * reads the config back, because nats-server silently drops fields it does not know (2.9 does so
 * for 2.10+/2.11+ settings) and a queue without, say, its per-subject limit would quietly lose its
 * dedupe guarantee.
 */

export class ProvisioningError extends Schema.TaggedError<ProvisioningError>()("ProvisioningError", {
  resource: Schema.String,
  reason: Schema.String,
  /** The broker did not answer (down, restarting): worth waiting for, unlike a refused shape. */
  brokerAway: Schema.optionalKey(Schema.Boolean)
}) {
  override get message() {
    return `cannot provision ${this.resource}: ${this.reason}`
  }
}

export interface FieldDrift {
  readonly field: string
  readonly want: unknown
  readonly got: unknown
}

// The server omits false booleans from the config it returns (omitempty).
const same = (field: string, want: unknown, got: unknown): boolean => {
  // The server adds metadata of its own (`_nats.*` from 2.11): only the keys we set are ours.
  if (field === "metadata" && typeof want === "object" && want !== null) {
    const have = (typeof got === "object" && got !== null ? got : {}) as Record<string, unknown>
    return Object.entries(want).every(([key, value]) => have[key] === value)
  }
  return (want === false && got === undefined) || JSON.stringify(want) === JSON.stringify(got)
}

/** Fields of `desired` whose value on the server differs (absent on the server counts). */
export const configDrift = (desired: object, actual: object): ReadonlyArray<FieldDrift> =>
  Object.entries(desired).flatMap(([field, want]) => {
    const got = (actual as Record<string, unknown>)[field]
    return same(field, want, got) ? [] : [{ field, want, got }]
  })

const describeDrift = (drift: ReadonlyArray<FieldDrift>) =>
  drift.map((d) => `${d.field} (want ${JSON.stringify(d.want)}, server has ${JSON.stringify(d.got)})`).join(", ")

/** What cannot change in place: changing it would need a new stream and a migration. */
const immutableStreamFields = new Set(["name", "retention", "storage"])
const immutableConsumerFields = new Set(["durable_name", "ack_policy", "deliver_policy", "replay_policy", "max_waiting"])

export type ProvisionAction = "created" | "updated" | "unchanged"

export interface ProvisionResult {
  readonly resource: string
  readonly action: ProvisionAction
}

const failWith = (resource: string) => (failure: JetStreamFailure) =>
  new ProvisioningError({ resource, reason: failure.message, brokerAway: failure.code === null })

const verify = (resource: string, desired: object, actual: object) => {
  const drift = configDrift(desired, actual)
  return drift.length === 0 ? Effect.void : Effect.fail(
    new ProvisioningError({
      resource,
      reason: `the server did not keep ${describeDrift(drift)}; is nats-server older than 2.9.10?`
    })
  )
}

const streamInfo = (jsm: JetStreamManager, name: string) =>
  jetStreamCall(`stream info ${name}`, () => jsm.streams.info(name)).pipe(
    Effect.map((info): StreamInfo | null => info),
    Effect.catchIf((f) => f.code === ApiCode.streamNotFound, () => Effect.succeed(null))
  )

export const provisionStream = Effect.fn("Provisioner.stream")(function*(jsm: JetStreamManager, spec: StreamSpec) {
  const resource = `stream ${spec.name}`
  const existing = yield* streamInfo(jsm, spec.name).pipe(Effect.mapError(failWith(resource)))
  if (existing === null) {
    const created = yield* jetStreamCall(`stream add ${spec.name}`, () => jsm.streams.add({ ...spec })).pipe(
      Effect.map((info): StreamInfo | null => info),
      // Another process created it between our info and add: take the update path below.
      Effect.catchIf((f) => f.code === ApiCode.streamNameInUse, () => Effect.succeed(null)),
      Effect.mapError(failWith(resource))
    )
    if (created !== null) {
      yield* verify(resource, spec, created.config)
      return { resource, action: "created" } satisfies ProvisionResult
    }
  }
  const current = existing ?? (yield* streamInfo(jsm, spec.name).pipe(Effect.mapError(failWith(resource))))
  if (current === null) {
    return yield* new ProvisioningError({ resource, reason: "the stream vanished while being provisioned" })
  }
  const drift = configDrift(spec, current.config)
  if (drift.length === 0) return { resource, action: "unchanged" } satisfies ProvisionResult
  const immutable = drift.filter((d) => immutableStreamFields.has(d.field))
  if (immutable.length > 0) {
    return yield* new ProvisioningError({
      resource,
      reason: `cannot change ${describeDrift(immutable)} in place; migrate the stream by hand (see nats/README.md)`
    })
  }
  // Lowering max_msgs below what is stored would make the server drop accepted messages.
  if (spec.max_msgs >= 0 && current.state.messages > spec.max_msgs) {
    return yield* new ProvisioningError({
      resource,
      reason: `it holds ${current.state.messages} messages, more than the new max_msgs ${spec.max_msgs}; ` +
        "lowering the limit now would drop accepted commands. Drain the queue first."
    })
  }
  const updated = yield* jetStreamCall(`stream update ${spec.name}`, () => jsm.streams.update(spec.name, { ...spec }))
    .pipe(Effect.mapError(failWith(resource)))
  yield* verify(resource, spec, updated.config)
  yield* Effect.logInfo(`updated ${resource}: ${describeDrift(drift)}`)
  return { resource, action: "updated" } satisfies ProvisionResult
})

const consumerInfo = (jsm: JetStreamManager, stream: string, name: string) =>
  jetStreamCall(`consumer info ${stream}/${name}`, () => jsm.consumers.info(stream, name)).pipe(
    Effect.map((info): ConsumerInfo | null => info),
    Effect.catchIf((f) => f.code === ApiCode.consumerNotFound, () => Effect.succeed(null))
  )

export const provisionConsumer = Effect.fn("Provisioner.consumer")(
  function*(jsm: JetStreamManager, stream: string, spec: ConsumerSpec) {
    const resource = `consumer ${stream}/${spec.durable_name}`
    const existing = yield* consumerInfo(jsm, stream, spec.durable_name).pipe(Effect.mapError(failWith(resource)))
    if (existing === null) {
      // On 2.9 a concurrent add of the same durable simply succeeds (create doubles as update).
      const created = yield* jetStreamCall(`consumer add ${spec.durable_name}`, () => jsm.consumers.add(stream, { ...spec }))
        .pipe(Effect.mapError(failWith(resource)))
      yield* verify(resource, spec, created.config)
      return { resource, action: "created" } satisfies ProvisionResult
    }
    const drift = configDrift(spec, existing.config)
    if (drift.length === 0) return { resource, action: "unchanged" } satisfies ProvisionResult
    const immutable = drift.filter((d) => immutableConsumerFields.has(d.field))
    if (immutable.length > 0) {
      return yield* new ProvisioningError({
        resource,
        reason: `cannot change ${describeDrift(immutable)} in place; delete the consumer by hand when no worker runs`
      })
    }
    const { ack_wait, description, max_ack_pending, max_deliver } = spec
    const updated = yield* jetStreamCall(
      `consumer update ${spec.durable_name}`,
      () => jsm.consumers.update(stream, spec.durable_name, { ack_wait, description, max_ack_pending, max_deliver })
    ).pipe(Effect.mapError(failWith(resource)))
    yield* verify(resource, spec, updated.config)
    yield* Effect.logInfo(`updated ${resource}: ${describeDrift(drift)}`)
    return { resource, action: "updated" } satisfies ProvisionResult
  }
)
