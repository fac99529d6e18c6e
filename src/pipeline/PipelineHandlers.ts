import * as NodeHttpClient from "@effect/platform-node/NodeHttpClient"
import { Effect, Layer } from "effect"
import { JobHandlers } from "../actors/JobHandler.ts"
import * as Database from "../db/Database.ts"
import { EventReader } from "../db/EventReader.ts"
import { EventRepository } from "../db/EventRepository.ts"
import { EventWriter } from "../db/EventWriter.ts"
import { FollowedTrackRepository } from "../db/FollowedTrackRepository.ts"
import * as Migrations from "../db/Migrations.ts"
import { PageValidators } from "../db/PageValidators.ts"
import { PracticeRepository } from "../db/PracticeRepository.ts"
import { TrackRepository } from "../db/TrackRepository.ts"
import { LiveRcClient } from "../liverc/LiveRcClient.ts"
import { LiveRcSite } from "../liverc/LiveRcSite.ts"
import { PageParser } from "../liverc/ParsePool.ts"
import { RobotsPolicy } from "../liverc/RobotsPolicy.ts"
import { AdaptiveConcurrency } from "../throttle/AdaptiveConcurrency.ts"
import { HostThrottle } from "../throttle/HostThrottle.ts"
import { EventsSync } from "./EventsSync.ts"
import { FollowedTrackJobs } from "./FollowedTrackJobs.ts"
import { IngestEvent } from "./IngestEvent.ts"
import { PracticeDiscovery } from "./PracticeDiscovery.ts"
import { PracticeNegativeCache } from "./PracticeNegativeCache.ts"
import { TrackSync } from "./TrackSync.ts"

/**
 * What a worker's jobs need besides the queue: the throttled, adaptive LiveRC client, the parse
 * threads every page is parsed on (PageParser) and Postgres (migrated when the worker starts).
 * Requires only the shared NatsClient.
 */
export const LiveRcAccessLive = RobotsPolicy.layer.pipe(
  Layer.provideMerge(LiveRcClient.layer),
  Layer.provideMerge(Layer.mergeAll(HostThrottle.layer, AdaptiveConcurrency.layer, LiveRcSite.layer, PageParser.layer)),
  Layer.provide(NodeHttpClient.layerUndici)
)

export const PersistenceLive = Layer.mergeAll(
  EventReader.layer,
  EventWriter.layer,
  PageValidators.layer,
  TrackRepository.layer,
  EventRepository.layer,
  PracticeRepository.layer,
  FollowedTrackRepository.layer
).pipe(
  Layer.provideMerge(Migrations.layer),
  Layer.provideMerge(Database.layer)
)

/** The job handlers a worker runs, one per command kind. */
export const PipelineHandlers = Layer.effect(
  JobHandlers,
  Effect.gen(function*() {
    const ingestEvent = yield* IngestEvent
    const trackSync = yield* TrackSync
    const eventsSync = yield* EventsSync
    const practiceDiscovery = yield* PracticeDiscovery
    const followedTrackJobs = yield* FollowedTrackJobs
    return JobHandlers.fromMap({
      ingest_event: ingestEvent.handler,
      sync_tracks: trackSync.handler,
      sync_events: eventsSync.handler,
      discover_practice: practiceDiscovery.handler,
      sync_followed_events: followedTrackJobs.syncFollowedEvents,
      ingest_recent: followedTrackJobs.ingestRecent
    })
  })
).pipe(
  Layer.provide(FollowedTrackJobs.layer.pipe(Layer.provideMerge(Layer.mergeAll(IngestEvent.layer, EventsSync.layer)))),
  Layer.provide(Layer.mergeAll(TrackSync.layer, PracticeDiscovery.layer)),
  Layer.provide(Layer.mergeAll(LiveRcAccessLive, PersistenceLive, PracticeNegativeCache.layer))
)
