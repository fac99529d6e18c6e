import { NodeHttpClient } from "@effect/platform-node"
import { Effect, Layer } from "effect"
import { JobHandlers } from "../actors/JobHandler.ts"
import * as Database from "../db/Database.ts"
import { EventReader } from "../db/EventReader.ts"
import { EventWriter } from "../db/EventWriter.ts"
import * as Migrations from "../db/Migrations.ts"
import { PageValidators } from "../db/PageValidators.ts"
import { LiveRcClient } from "../liverc/LiveRcClient.ts"
import { LiveRcSite } from "../liverc/LiveRcSite.ts"
import { HostThrottle } from "../streams/HostThrottle.ts"
import { AdaptiveConcurrency } from "./AdaptiveConcurrency.ts"
import { IngestEvent } from "./IngestEvent.ts"

/**
 * What a worker's jobs need besides the queue: the throttled, adaptive LiveRC client and
 * Postgres (migrated when the worker starts). Requires only the shared NatsClient.
 */
export const LiveRcAccessLive = LiveRcClient.layer.pipe(
  Layer.provideMerge(Layer.mergeAll(HostThrottle.layer, AdaptiveConcurrency.layer, LiveRcSite.layer)),
  Layer.provide(NodeHttpClient.layerUndici)
)

export const PersistenceLive = Layer.mergeAll(EventReader.layer, EventWriter.layer, PageValidators.layer).pipe(
  Layer.provideMerge(Migrations.layer),
  Layer.provideMerge(Database.layer)
)

/** The job handlers a worker runs, one per command kind. */
export const PipelineHandlers = Layer.effect(
  JobHandlers,
  Effect.gen(function*() {
    const ingestEvent = yield* IngestEvent
    return JobHandlers.fromMap({ ingest_event: ingestEvent.handler })
  })
).pipe(
  Layer.provide(IngestEvent.layer),
  Layer.provide(Layer.mergeAll(LiveRcAccessLive, PersistenceLive))
)
