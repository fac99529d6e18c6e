import { Layer } from "effect"
import type { JobHandlers } from "./actors/JobHandler.ts"
import { WorkerPool } from "./actors/WorkerPool.ts"
import { WorkerSettings } from "./actors/WorkerSettings.ts"
import { DeadLetter } from "./streams/DeadLetter.ts"
import { IngestStreams } from "./streams/IngestStreams.ts"
import { JetStreamJobQueue } from "./streams/JetStreamJobQueue.ts"
import { JobListing } from "./streams/JobListing.ts"
import { JobStatusStore } from "./streams/JobStatusStore.ts"
import { NatsClient } from "./streams/NatsClient.ts"
import { QueuePosition } from "./streams/QueuePosition.ts"
import { StatusKeeper } from "./streams/StatusKeeper.ts"
import { Topology } from "./streams/Topology.ts"

/**
 * The one place where services become processes. Every layer here reads its config from the
 * environment (Effect Config) when it is built.
 */

/**
 * Connection, provisioned topology and the status bucket: what every process starts with. The
 * connection is part of the output so every other NATS user in the process (the throttle) shares it.
 */
export const StreamsLive = (role: string) =>
  JobStatusStore.layer.pipe(
    Layer.provideMerge(IngestStreams.layer),
    Layer.provideMerge(Layer.mergeAll(NatsClient.layer(role), Topology.layer))
  )

/**
 * The JobQueue service (for gateways and the CLI), with the keeper of queued statuses; also
 * exposes QueuePosition, StatusKeeper and JobListing (operator listings) and the streams.
 */
export const JobQueueLive = (role: string) =>
  Layer.mergeAll(JetStreamJobQueue.layer, StatusKeeper.run).pipe(
    Layer.provideMerge(Layer.mergeAll(QueuePosition.layer, StatusKeeper.layer, JobListing.layer)),
    Layer.provideMerge(StreamsLive(role))
  )

/** A worker process: the actor pool running `handlers`, the dead-letter watch and the keeper. */
export const WorkerLive = <E, R>(handlers: Layer.Layer<JobHandlers, E, R>) =>
  Layer.mergeAll(WorkerPool.layer, DeadLetter.watch, StatusKeeper.run).pipe(
    Layer.provide(Layer.mergeAll(DeadLetter.layer, StatusKeeper.layer, WorkerSettings.layer, handlers)),
    Layer.provide(StreamsLive("worker"))
  )
