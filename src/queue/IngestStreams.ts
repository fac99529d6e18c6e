import type { JetStreamManager } from "@nats-io/jetstream"
import type { KV } from "@nats-io/kv"
import { Context, Effect, Layer } from "effect"
import { jetStreamCall } from "../broker/JetStreamFailure.ts"
import { NatsClient, type NatsClientShape } from "../broker/NatsClient.ts"
import { provisionConsumer, provisionStream, ProvisioningError, type ProvisionResult } from "../broker/Provisioner.ts"
import { JOBS_BUCKET, Topology, type TopologySpec } from "./Topology.ts"

/** Streams first (the consumers need them), then the consumers. */
export const provisionTopology = Effect.fn("IngestStreams.provision")(function*(
  jsm: JetStreamManager,
  topology: TopologySpec
) {
  const results: Array<ProvisionResult> = []
  for (const stream of [topology.ingest, topology.dlq, topology.jobsBucket, topology.schedules]) {
    results.push(yield* provisionStream(jsm, stream))
  }
  results.push(yield* provisionConsumer(jsm, topology.ingest.name, topology.workers))
  results.push(yield* provisionConsumer(jsm, topology.schedules.name, topology.scheduleRelay))
  return results
})

/**
 * The provisioned topology and the handles every queue service shares: the connection, the
 * topology in force and the job status bucket. Building the layer provisions (idempotently), so
 * no process ever works against a stream in an unknown shape.
 */
export class IngestStreams extends Context.Service<IngestStreams, {
  readonly nats: NatsClientShape
  readonly topology: TopologySpec
  readonly jobs: KV
}>()("liverc-ingest/queue/IngestStreams") {
  static readonly layer = Layer.effect(
    IngestStreams,
    Effect.gen(function*() {
      const nats = yield* NatsClient
      const topology = yield* Topology
      const results = yield* provisionTopology(nats.jsm, topology)
      const changed = results.filter((r) => r.action !== "unchanged")
      if (changed.length > 0) {
        yield* Effect.logInfo(`provisioned ${changed.map((r) => `${r.resource} (${r.action})`).join(", ")}`)
      }
      // Bind without an info round trip; the bucket's stream was just verified.
      const jobs = yield* jetStreamCall("kv open", () => nats.kvm.open(JOBS_BUCKET, { allow_direct: true })).pipe(
        Effect.mapError((f) => new ProvisioningError({ resource: `bucket ${JOBS_BUCKET}`, reason: f.message }))
      )
      return IngestStreams.of({ nats, topology, jobs })
    })
  )
}
