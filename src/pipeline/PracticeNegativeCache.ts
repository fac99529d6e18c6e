import { DiscardPolicy, type JetStreamClient, RetentionPolicy, StorageType } from "@nats-io/jetstream"
import type { KV } from "@nats-io/kv"
import { Config, Context, Effect, Layer } from "effect"
import { jetStreamCall } from "../broker/JetStreamFailure.ts"
import { NatsClient } from "../broker/NatsClient.ts"
import { provisionStream, ProvisioningError } from "../broker/Provisioner.ts"
import { nanos, ReplicasConfig, type StreamSpec, ttlHeader } from "../broker/StreamSpec.ts"
import { millisConfig } from "../config/DurationConfig.ts"
import type { PracticeDate, TrackSlug } from "../liverc/LiveRcIds.ts"

/**
 * The `practice_negative` KV bucket: track days a practice discovery found without sessions
 * (key `<slug>.<YYYY-MM-DD>`), so a repeated discovery within the bucket's TTL does not ask
 * LiveRC again. Only answers are remembered; a timeout or an error never is. It is a cache: when
 * NATS cannot answer, a day counts as unknown and is asked about, and a failed write is only logged.
 * Each entry carries its own TTL (PRACTICE_NEGATIVE_TTL when it was written), so changing the
 * setting needs no change to the bucket.
 */

export const PRACTICE_NEGATIVE_BUCKET = "practice_negative"

/** One Config per environment variable, so a start-up check can report every bad value. */
export const practiceNegativeCacheConfigFields = {
  ttlMillis: millisConfig("PRACTICE_NEGATIVE_TTL", 1000, 30 * 86_400_000, 86_400_000),
  replicas: ReplicasConfig
}

export const PracticeNegativeCacheConfig = Config.all(practiceNegativeCacheConfigFields)

/** Bounded: a full cache forgets its oldest answers rather than refusing new ones. */
const MAX_BUCKET_BYTES = 64 * 1024 * 1024

/** The bucket as its backing stream, in the shape `nats kv add` creates, applied like the topology. */
export const practiceNegativeBucketSpec = (replicas: number): StreamSpec => ({
  name: `KV_${PRACTICE_NEGATIVE_BUCKET}`,
  description: "liverc-ingest practice days without sessions (KV bucket practice_negative)",
  subjects: [`$KV.${PRACTICE_NEGATIVE_BUCKET}.>`],
  retention: RetentionPolicy.Limits,
  storage: StorageType.File,
  num_replicas: replicas,
  max_consumers: -1,
  max_msgs: -1,
  max_bytes: MAX_BUCKET_BYTES,
  max_age: 0,
  max_msgs_per_subject: 1,
  max_msg_size: 1024,
  discard: DiscardPolicy.Old,
  discard_new_per_subject: false,
  duplicate_window: nanos(120_000),
  allow_direct: true,
  allow_rollup_hdrs: true,
  deny_delete: false,
  deny_purge: false,
  allow_msg_ttl: true
})

const keyOf = (slug: TrackSlug, date: PracticeDate) => `${slug}.${date}`

export class PracticeNegativeCache extends Context.Service<PracticeNegativeCache, {
  /** The dates of `dates` known to have had no sessions when last asked, within the TTL. */
  readonly known: (slug: TrackSlug, dates: ReadonlyArray<PracticeDate>) => Effect.Effect<ReadonlySet<PracticeDate>>
  readonly remember: (slug: TrackSlug, date: PracticeDate) => Effect.Effect<void>
}>()("liverc-ingest/pipeline/PracticeNegativeCache") {
  static readonly make = (kv: KV, js: JetStreamClient, ttlMillis: number) => {
    const ttl = ttlHeader(ttlMillis)
    const known = Effect.fn("PracticeNegativeCache.known")(
      function*(slug: TrackSlug, dates: ReadonlyArray<PracticeDate>) {
        const found = yield* Effect.forEach(
          dates,
          (date) =>
            jetStreamCall("practice_negative get", () => kv.get(keyOf(slug, date))).pipe(
              Effect.map((entry) => (entry !== null && entry.operation === "PUT" ? [date] : [])),
              Effect.catch((failure) =>
                Effect.logWarning(`practice negative cache: ${failure.message}; asking LiveRC`).pipe(Effect.as([]))
              )
            ),
          { concurrency: 16 }
        )
        return new Set(found.flat())
      }
    )

    const remember = Effect.fn("PracticeNegativeCache.remember")(function*(slug: TrackSlug, date: PracticeDate) {
      // The KV client has no per-message TTL: publish to the key's subject with the header.
      yield* jetStreamCall(
        "practice_negative put",
        () => js.publish(`$KV.${PRACTICE_NEGATIVE_BUCKET}.${keyOf(slug, date)}`, new Date().toISOString(), { ttl })
      ).pipe(
        Effect.catch((failure) => Effect.logWarning(`practice negative cache: ${failure.message}`))
      )
    })

    return PracticeNegativeCache.of({ known, remember })
  }

  /** Provisions the bucket (idempotently) and opens it. */
  static readonly layer = Layer.effect(
    PracticeNegativeCache,
    Effect.gen(function*() {
      const { ttlMillis, replicas } = yield* PracticeNegativeCacheConfig
      const { js, jsm, kvm } = yield* NatsClient
      const provisioned = yield* provisionStream(jsm, practiceNegativeBucketSpec(replicas))
      if (provisioned.action !== "unchanged") {
        yield* Effect.logInfo(`provisioned ${provisioned.resource} (${provisioned.action})`)
      }
      const kv = yield* jetStreamCall("kv open", () => kvm.open(PRACTICE_NEGATIVE_BUCKET, { allow_direct: true })).pipe(
        Effect.mapError((f) => new ProvisioningError({ resource: `bucket ${PRACTICE_NEGATIVE_BUCKET}`, reason: f.message }))
      )
      return PracticeNegativeCache.make(kv, js, ttlMillis)
    })
  )
}
