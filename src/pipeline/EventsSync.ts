import { Context, Effect, Layer, Option } from "effect"
import type { JobContext, JobHandler } from "../actors/JobHandler.ts"
import { EventRepository } from "../db/EventRepository.ts"
import type { SyncEventsCommand } from "../jobs/Commands.ts"
import { LiveRcClient } from "../liverc/LiveRcClient.ts"
import { LiveRcSite } from "../liverc/LiveRcSite.ts"
import { PageParser } from "../liverc/ParsePool.ts"
import { RobotsPolicy } from "../liverc/RobotsPolicy.ts"
import type { PageRequest } from "../liverc/LiveRcUrls.ts"
import type { ListedEvent } from "../liverc/models/EventList.ts"
import {
  describeFailure,
  fetchBody,
  listingParseFailure,
  requiredPageFailure,
  retryWrites,
  WriteRetryConfig
} from "./JobFailures.ts"

/**
 * Syncs one track's events as its lists show them (`/events`, and `/results/`, which LiveRC
 * serves as a second copy that can differ), so a UI can list them and ingest one by id. `/events`
 * decides: a 404 there means LiveRC does not know the track. `/results/` only adds what `/events`
 * lacks, and when it cannot be read the sync goes on with `/events` alone.
 */

export interface EventsSyncResult {
  readonly [key: string]: unknown
  readonly track_slug: string
  readonly events: number
  readonly new: number
  readonly updated: number
  readonly unchanged: number
  /** The lists read: `events`, and `results` unless it could not be read. */
  readonly lists: ReadonlyArray<string>
  readonly results_list_error?: string
}

export class EventsSync extends Context.Service<EventsSync, {
  readonly handler: JobHandler<SyncEventsCommand>
}>()("liverc-ingest/pipeline/EventsSync") {
  static readonly layer = Layer.effect(
    EventsSync,
    Effect.gen(function*() {
      const writeRetryWindow = yield* WriteRetryConfig
      const client = yield* LiveRcClient
      const parser = yield* PageParser
      const { urls } = yield* LiveRcSite
      const robots = yield* RobotsPolicy
      const repository = yield* EventRepository

      const readList = (request: PageRequest) =>
        fetchBody(client, request).pipe(Effect.flatMap((body) => parser.parse("events", body, request.url)))

      const sync = Effect.fn("EventsSync.sync")(function*(command: SyncEventsCommand, context: JobContext) {
        const slug = command.track_slug
        yield* Effect.annotateCurrentSpan({ track: slug })
        yield* robots.refreshTrack(slug)
        yield* context.reportProgress("fetch_event_lists", 0, 2)
        const [primary, secondary] = yield* Effect.all([
          readList(urls.events(slug)).pipe(
            Effect.catchTags({
              LiveRcFetchError: (error) => Effect.fail(requiredPageFailure("TRACK_NOT_FOUND")(error)),
              LiveRcParseError: (error) => Effect.fail(listingParseFailure("EVENT_LIST_UNPARSEABLE")(error))
            })
          ),
          readList(urls.results(slug)).pipe(Effect.result)
        ], { concurrency: 2 })
        if (secondary._tag === "Failure") {
          yield* Effect.logWarning(`events sync ${slug}: /results/ not used: ${secondary.failure.message}`)
        }
        // `/events` wins where both list an event.
        const merged = new Map<string, ListedEvent>()
        for (const event of secondary._tag === "Success" ? secondary.success.events : []) merged.set(event.eventId, event)
        for (const event of primary.events) merged.set(event.eventId, event)

        yield* context.reportProgress("write", 0, 1)
        const counts = yield* repository.upsertListedEvents(slug, [...merged.values()]).pipe(retryWrites(writeRetryWindow))
        yield* context.reportProgress("write", 1, 1)

        const resultsError = secondary._tag === "Failure" ? Option.some(describeFailure(secondary.failure)) : Option.none()
        return {
          track_slug: slug,
          events: merged.size,
          new: counts.new,
          updated: counts.updated,
          unchanged: counts.unchanged,
          lists: Option.isNone(resultsError) ? ["events", "results"] : ["events"],
          ...(Option.isSome(resultsError) ? { results_list_error: resultsError.value } : {})
        } satisfies EventsSyncResult
      })

      return EventsSync.of({ handler: sync })
    })
  )
}
