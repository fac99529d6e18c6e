import { DiscardPolicy, RetentionPolicy, StorageType } from "@nats-io/jetstream"
import type { KV } from "@nats-io/kv"
import { Context, Duration, Effect, Layer, Schedule } from "effect"
import { type JetStreamFailure, jetStreamCall } from "../broker/JetStreamFailure.ts"
import { NatsClient } from "../broker/NatsClient.ts"
import { provisionStream, type ProvisioningError } from "../broker/Provisioner.ts"
import { nanos, ReplicasConfig, type StreamSpec } from "../broker/StreamSpec.ts"

/**
 * The `host_throttle` KV bucket: one token bucket per host group (`bucket.<group>`), the global
 * kill switch (`killswitch`) and a scratch key the throttle writes to read the server's clock
 * (`clock`). Every grant rests on compare-and-set, which is linearizable on replicated streams
 * from nats-server 2.10 (this project needs 2.12), so the bucket has NATS_REPLICAS replicas like
 * everything else: while one node is down, LiveRC traffic goes on within the bound.
 */

export const THROTTLE_BUCKET = "host_throttle"
export const THROTTLE_BUCKET_STREAM = `KV_${THROTTLE_BUCKET}`
export const KILL_SWITCH_KEY = "killswitch"
export const CLOCK_KEY = "clock"
export const bucketKey = (group: string) => `bucket.${group}`

/** The bucket as its backing stream, in the shape `nats kv add` creates (history 1, no TTL). */
export const throttleBucketSpec = (replicas: number): StreamSpec => ({
  name: THROTTLE_BUCKET_STREAM,
  description: "liverc-ingest global LiveRC throttle: token buckets per host group, kill switch",
  subjects: [`$KV.${THROTTLE_BUCKET}.>`],
  retention: RetentionPolicy.Limits,
  storage: StorageType.File,
  num_replicas: replicas,
  max_consumers: -1,
  max_msgs: -1,
  max_bytes: -1,
  max_age: 0,
  max_msgs_per_subject: 1,
  max_msg_size: -1,
  discard: DiscardPolicy.New,
  discard_new_per_subject: false,
  duplicate_window: nanos(120_000),
  allow_direct: true,
  allow_rollup_hdrs: true,
  deny_delete: false,
  deny_purge: false
})

export class ThrottleBucket extends Context.Service<ThrottleBucket, {
  readonly kv: KV
  readonly replicas: number
  /** Creates the bucket again if it was removed under us (an operator's `nats kv rm`). */
  readonly ensure: Effect.Effect<void, JetStreamFailure | ProvisioningError>
}>()("liverc-ingest/throttle/ThrottleBucket") {
  static readonly make = (replicas: number) =>
    Effect.gen(function*() {
      const { jsm, kvm } = yield* NatsClient
      const ensure = provisionStream(jsm, throttleBucketSpec(replicas)).pipe(Effect.asVoid)
      const open = ensure.pipe(
        Effect.andThen(jetStreamCall("throttle bucket open", () => kvm.open(THROTTLE_BUCKET, { allow_direct: true })))
      )
      // A broker that is restarting at boot is waited for; a bucket in a shape that cannot be
      // changed in place is not retried.
      const kv = yield* open.pipe(
        Effect.tapError((error) => Effect.logWarning(`${THROTTLE_BUCKET}: ${error.message}`)),
        Effect.retry({
          while: (error) => error._tag === "JetStreamFailure" || error.brokerAway === true,
          schedule: Schedule.min([Schedule.exponential(Duration.millis(200)), Schedule.spaced(Duration.seconds(5))])
        })
      )
      return ThrottleBucket.of({ kv, replicas, ensure })
    })

  static readonly layer = Layer.effect(
    ThrottleBucket,
    Effect.gen(function*() {
      return yield* ThrottleBucket.make(yield* ReplicasConfig)
    })
  )
}
