import { StorageType } from "@nats-io/jetstream"
import type { KV } from "@nats-io/kv"
import { Context, Duration, Effect, Layer, Schedule, Schema } from "effect"
import { type JetStreamFailure, jetStreamCall } from "../broker/JetStreamFailure.ts"
import { NatsClient } from "../broker/NatsClient.ts"
import { ReplicasConfig } from "../broker/StreamSpec.ts"

/**
 * The `host_throttle` KV bucket: one token bucket per host group (`bucket.<group>`), the global
 * kill switch (`killswitch`) and a scratch key the throttle writes to read the server's clock
 * (`clock`).
 *
 * Replicas and nats-server #4320. Every grant rests on compare-and-set (Expected-Last-Subject-
 * Sequence). In a CLUSTERED stream before 2.9.21 that check was a pre-check outside Raft, so
 * concurrent CAS writes could all succeed; 2.11 fixed more leader-change cases (#6194, #6485).
 * Measured here on a 3-node 2.9.10 cluster, 12 writers incrementing one key for 4 s: an R3 bucket
 * acknowledged 3,577 CAS writes but the counter ended at 839 (2,738 lost updates, i.e. tokens
 * granted twice), while an R1 bucket on the same cluster acknowledged 1,013 and ended at 1,013.
 * An R1 stream has no Raft group: its one server applies every CAS under the stream lock, like a
 * single node. So the bucket is R1 unless NATS_REPLICAS asks for more AND the server is >= 2.11.
 * The price of R1: while the server holding the bucket is down, no token is granted anywhere and
 * LiveRC requests wait (fail closed); the state is on disk and survives a restart.
 */

export const THROTTLE_BUCKET = "host_throttle"
export const THROTTLE_BUCKET_STREAM = `KV_${THROTTLE_BUCKET}`
export const KILL_SWITCH_KEY = "killswitch"
export const CLOCK_KEY = "clock"
export const bucketKey = (group: string) => `bucket.${group}`

/** First release whose clustered CAS is serialised through leader changes too. */
export const SAFE_REPLICATED_CAS_VERSION = "2.11.0"

const parseVersion = (version: string): ReadonlyArray<number> =>
  (/^v?(\d+)\.(\d+)\.(\d+)/.exec(version)?.slice(1) ?? ["0", "0", "0"]).map(Number)

export const supportsReplicatedCas = (serverVersion: string): boolean => {
  const have = parseVersion(serverVersion)
  const need = parseVersion(SAFE_REPLICATED_CAS_VERSION)
  for (let i = 0; i < 3; i++) {
    const a = have[i] ?? 0
    const b = need[i] ?? 0
    if (a !== b) return a > b
  }
  return true
}

/** Replicas to create the bucket with: the configured count only where CAS stays serialisable. */
export const safeReplicas = (configured: number, serverVersion: string): number =>
  configured > 1 && !supportsReplicatedCas(serverVersion) ? 1 : configured

export class ThrottleBucketUnsafe extends Schema.TaggedError<ThrottleBucketUnsafe>()("ThrottleBucketUnsafe", {
  replicas: Schema.Int,
  serverVersion: Schema.String
}) {
  override get message() {
    return `${THROTTLE_BUCKET} has ${this.replicas} replicas on nats-server ${this.serverVersion}, where replicated ` +
      `compare-and-set can grant a token twice (nats-server #4320). Recreate it with one replica ` +
      `(\`nats kv rm ${THROTTLE_BUCKET}\`; the throttle recreates it) or upgrade to >= ${SAFE_REPLICATED_CAS_VERSION}.`
  }
}

export class ThrottleBucket extends Context.Service<ThrottleBucket, {
  readonly kv: KV
  readonly replicas: number
  /** Creates the bucket again if it was removed under us (an operator's `nats kv rm`). */
  readonly ensure: Effect.Effect<void, JetStreamFailure | ThrottleBucketUnsafe>
}>()("liverc-ingest/throttle/ThrottleBucket") {
  static readonly make = (configuredReplicas: number) =>
    Effect.gen(function*() {
      const { nc, kvm } = yield* NatsClient
      const serverVersion = nc.info?.version ?? "0.0.0"
      const replicas = safeReplicas(configuredReplicas, serverVersion)
      if (replicas !== configuredReplicas) {
        yield* Effect.logWarning(
          `${THROTTLE_BUCKET}: NATS_REPLICAS=${configuredReplicas} ignored on nats-server ${serverVersion}; ` +
            `using 1 replica (replicated CAS needs >= ${SAFE_REPLICATED_CAS_VERSION}, nats-server #4320)`
        )
      }
      const open = Effect.gen(function*() {
        const kv = yield* jetStreamCall("throttle bucket create", () =>
          kvm.create(THROTTLE_BUCKET, {
            history: 1,
            replicas,
            storage: StorageType.File,
            description: "liverc-ingest global LiveRC throttle: token buckets per host group, kill switch"
          }))
        const status = yield* jetStreamCall("throttle bucket status", () => kv.status())
        if (status.replicas > 1 && !supportsReplicatedCas(serverVersion)) {
          return yield* new ThrottleBucketUnsafe({ replicas: status.replicas, serverVersion })
        }
        return kv
      })
      // A broker that is restarting at boot is waited for; an unsafe bucket is not retried.
      const kv = yield* open.pipe(
        Effect.tapError((error) => Effect.logWarning(`${THROTTLE_BUCKET}: ${error.message}`)),
        Effect.retry({
          while: (error) => error._tag === "JetStreamFailure",
          schedule: Schedule.min([Schedule.exponential(Duration.millis(200)), Schedule.spaced(Duration.seconds(5))])
        })
      )
      return ThrottleBucket.of({ kv, replicas, ensure: Effect.asVoid(open) })
    })

  static readonly layer = Layer.effect(
    ThrottleBucket,
    Effect.gen(function*() {
      const replicas = yield* ReplicasConfig
      return yield* ThrottleBucket.make(replicas)
    })
  )
}
