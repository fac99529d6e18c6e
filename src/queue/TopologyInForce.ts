import type { ConsumerConfig, StreamConfig } from "@nats-io/jetstream"
import { Effect, Layer } from "effect"
import { ApiCode, jetStreamCall } from "../broker/JetStreamFailure.ts"
import { NatsClient } from "../broker/NatsClient.ts"
import { ProvisioningError } from "../broker/Provisioner.ts"
import { IngestStreams, provisionTopology } from "./IngestStreams.ts"
import {
  INGEST_STREAM,
  JOBS_BUCKET,
  JOB_TTL_METADATA,
  JOBS_BUCKET_STREAM,
  makeTopology,
  TopologyConfig,
  type TopologySettings,
  WORKERS_CONSUMER
} from "./Topology.ts"

/**
 * IngestStreams for operator tools (the CLI), bound to the settings the server already holds.
 * Service processes provision with their own environment at start; an operator's shell usually
 * has none of it, and provisioning from there would quietly reset, say, the cluster-wide
 * running-job cap to its default. So every setting the server has wins over the environment,
 * which only fills in what does not exist yet (an empty server gets the topology a worker
 * would create).
 */

export interface ServerTopology {
  readonly ingest: StreamConfig | null
  readonly workers: ConsumerConfig | null
  readonly jobsBucket: StreamConfig | null
}

const millisOf = (nanos: number) => Math.round(nanos / 1_000_000)

/** The deployment's INGEST_JOB_TTL, as its processes recorded it on the bucket's stream. */
const jobTtlOf = (bucket: StreamConfig | null): number | undefined => {
  const recorded = Number(bucket?.metadata?.[JOB_TTL_METADATA])
  return Number.isSafeInteger(recorded) && recorded > 0 ? recorded : undefined
}

export const settingsInForce = (server: ServerTopology, fallback: TopologySettings): TopologySettings => ({
  queueMax: server.ingest?.max_msgs ?? fallback.queueMax,
  replicas: server.ingest?.num_replicas ?? fallback.replicas,
  maxConcurrent: server.workers?.max_ack_pending ?? fallback.maxConcurrent,
  ackWaitMillis: server.workers?.ack_wait === undefined ? fallback.ackWaitMillis : millisOf(server.workers.ack_wait),
  maxDeliver: server.workers?.max_deliver ?? fallback.maxDeliver,
  jobTtlMillis: jobTtlOf(server.jobsBucket) ?? fallback.jobTtlMillis
})

export const IngestStreamsInForce = Layer.effect(
  IngestStreams,
  Effect.gen(function*() {
    const nats = yield* NatsClient
    const fail = (resource: string) => (f: { readonly message: string }) =>
      new ProvisioningError({ resource, reason: f.message })
    const stream = (name: string) =>
      jetStreamCall(`stream info ${name}`, () => nats.jsm.streams.info(name)).pipe(
        Effect.map((info): StreamConfig | null => info.config),
        Effect.catchIf((f) => f.code === ApiCode.streamNotFound, () => Effect.succeed(null)),
        Effect.mapError(fail(`stream ${name}`))
      )
    const ingest = yield* stream(INGEST_STREAM)
    const workers = ingest === null ? null : yield* jetStreamCall(
      "consumer info",
      () => nats.jsm.consumers.info(INGEST_STREAM, WORKERS_CONSUMER)
    ).pipe(
      Effect.map((info): ConsumerConfig | null => info.config),
      Effect.catchIf((f) => f.code === ApiCode.consumerNotFound, () => Effect.succeed(null)),
      Effect.mapError(fail(`consumer ${WORKERS_CONSUMER}`))
    )
    const jobsBucket = yield* stream(JOBS_BUCKET_STREAM)
    const settings = settingsInForce({ ingest, workers, jobsBucket }, yield* TopologyConfig)
    const topology = makeTopology(settings)
    // Creates what is missing; no setting that exists changes, since each was just read back.
    const results = yield* provisionTopology(nats.jsm, topology)
    const changed = results.filter((r) => r.action !== "unchanged")
    if (changed.length > 0) {
      yield* Effect.logInfo(`provisioned ${changed.map((r) => `${r.resource} (${r.action})`).join(", ")}`)
    }
    const jobs = yield* jetStreamCall("kv open", () => nats.kvm.open(JOBS_BUCKET, { allow_direct: true })).pipe(
      Effect.mapError(fail(`bucket ${JOBS_BUCKET}`))
    )
    return IngestStreams.of({ nats, topology, jobs })
  })
)
