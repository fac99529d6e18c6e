import { Layer } from "effect"
import type { JobHandlers } from "./actors/JobHandler.ts"
import { WorkerPool } from "./actors/WorkerPool.ts"
import { WorkerSettings } from "./actors/WorkerSettings.ts"
import { NatsClient } from "./broker/NatsClient.ts"
import * as Database from "./db/Database.ts"
import { EventReader } from "./db/EventReader.ts"
import { FollowedTrackRepository } from "./db/FollowedTrackRepository.ts"
import { QueueGauges } from "./http/GatewayMetrics.ts"
import { GatewayServer } from "./http/GatewayServer.ts"
import { NatsLink } from "./http/NatsLink.ts"
import { Readiness } from "./http/Readiness.ts"
import { JobCommands } from "./jobs/JobCommands.ts"
import { MetricsServer } from "./observability/MetricsServer.ts"
import { DeadLetter } from "./queue/DeadLetter.ts"
import { IngestStreams } from "./queue/IngestStreams.ts"
import { JetStreamJobQueue } from "./queue/JetStreamJobQueue.ts"
import { JobStatusStore } from "./queue/JobStatusStore.ts"
import { QueuePosition } from "./queue/QueuePosition.ts"
import { ScheduleDefaults } from "./queue/ScheduleDefaults.ts"
import { ScheduleRelay } from "./queue/ScheduleRelay.ts"
import { ScheduleStore } from "./queue/ScheduleStore.ts"
import { StatusBackfill } from "./queue/StatusBackfill.ts"
import { Topology } from "./queue/Topology.ts"
import { KillSwitch } from "./throttle/KillSwitch.ts"
import { ThrottleBucket } from "./throttle/ThrottleBucket.ts"

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
 * A worker process: the actor pool running `handlers`, the dead-letter watch, the schedule relay
 * (and the default schedules, reconciled at start) and, when METRICS_PORT is set, its /metrics
 * endpoint. No status backfill: gateways run it (statuses are read through them), and a worker
 * writes the status of a delivery that has none before it runs it (JobClaim).
 * `streams` as for GatewayLive: one layer value shared by a worker and a gateway in one process.
 */
export const WorkerLive = <E, R>(
  handlers: Layer.Layer<JobHandlers, E, R>,
  streams: ReturnType<typeof StreamsLive> = StreamsLive("worker")
) =>
  Layer.mergeAll(WorkerPool.layer, DeadLetter.watch, ScheduleRelay.run, ScheduleDefaults).pipe(
    // The metrics endpoint is up before the pool takes its first job.
    Layer.provide(Layer.mergeAll(
      DeadLetter.layer,
      WorkerSettings.layer,
      handlers,
      MetricsServer.layer,
      ScheduleRelay.layer,
      ScheduleStore.layer
    )),
    Layer.provide(JetStreamJobQueue.layer),
    Layer.provide(Layer.mergeAll(QueuePosition.layer, JobCommands.layer)),
    Layer.provide(streams)
  )

// The operator commands' layers (OperatorLive, KillSwitchLive) are wired in
// src/cli/OperatorLayers.ts: importing this module loads every service of the gateway and the
// worker (HTTP API, Postgres, the actors), which `liverc-ingest status <id>` would pay at each start.

/**
 * A gateway process: the HTTP server over the queue, the kill switch, Postgres (read-only: the
 * track of a stored event; it starts, and reports not ready, while Postgres is down) and the
 * keeper of queued statuses. `streams` is the process's shared connection and topology: a process
 * that also runs a worker passes the same layer value to both, so one connection serves them
 * (layers are memoised by reference within one build).
 */
export const GatewayLive = (streams: ReturnType<typeof StreamsLive> = StreamsLive("gateway")) =>
  GatewayServer.layer.pipe(
    Layer.provide(Layer.mergeAll(
      JetStreamJobQueue.layer,
      StatusBackfill.run,
      QueueGauges.layer,
      Readiness.layer,
      KillSwitch.layer,
      EventReader.layer,
      ScheduleStore.layer,
      FollowedTrackRepository.layer
    )),
    Layer.provide(Layer.mergeAll(
      QueuePosition.layer,
      StatusBackfill.layer,
      ThrottleBucket.layer,
      NatsLink.layer,
      Database.layer,
      JobCommands.layer
    )),
    Layer.provide(streams)
  )

/**
 * The gateway and a worker running `handlers` in one process (`start`, the demo): one streams
 * layer value handed to both, so the build makes one connection for the two.
 */
export const GatewayAndWorkerLive = <E, R>(
  handlers: Layer.Layer<JobHandlers, E, R>,
  streams: ReturnType<typeof StreamsLive> = StreamsLive("server")
) => Layer.mergeAll(GatewayLive(streams), WorkerLive(handlers, streams))
