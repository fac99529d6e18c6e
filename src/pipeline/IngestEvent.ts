import { Config, Context, Effect, Layer, Option } from "effect"
import { RetryableJobError, TerminalJobError, type JobContext, type JobHandler } from "../actors/JobHandler.ts"
import { EventReader } from "../db/EventReader.ts"
import type { SnapshotRace, SnapshotValidator } from "../db/EventSnapshot.ts"
import { EventWriter } from "../db/EventWriter.ts"
import { PageValidators, type StoredValidator } from "../db/PageValidators.ts"
import type { IngestEventCommand } from "../jobs/Commands.ts"
import { LiveRcClient, type LiveRcFetchError, type PageResponse } from "../liverc/LiveRcClient.ts"
import type { IngestDepth, LiveRcId, TrackSlug } from "../liverc/LiveRcIds.ts"
import type { LiveRcParseError } from "../liverc/LiveRcParseError.ts"
import { PageParser } from "../liverc/ParsePool.ts"
import { LiveRcSite } from "../liverc/LiveRcSite.ts"
import type { PageRequest } from "../liverc/LiveRcUrls.ts"
import { RobotsPolicy } from "../liverc/RobotsPolicy.ts"
import type { EntryList } from "../liverc/models/EntryList.ts"
import type { EventPage } from "../liverc/models/EventPage.ts"
import { AdaptiveConcurrencyConfig } from "../throttle/AdaptiveConcurrency.ts"
import { persistenceFailure, retryWrites, WriteRetryConfig } from "./JobFailures.ts"

/**
 * Ingests one LiveRC event. Network phase first: the event page, its entry list and every race
 * page, fetched with structured concurrency inside the job's scope (cancel, shutdown or a fatal
 * error interrupts them all and aborts their requests) and parsed as they arrive. Only when every
 * page is in hand does the write phase start: one short transaction (EventWriter) that takes the
 * event's advisory lock inside it. No pool connection is checked out while the job waits on
 * LiveRC, and a page that never parses fails the job before anything is written.
 */

export const IngestEventConfig = Config.all({
  /** Fibers per job fetching race pages; the adaptive per-host limit decides how many are in flight. */
  raceFibers: AdaptiveConcurrencyConfig.pipe(Config.map((settings) => settings.max)),
  /** How long a finished fetch phase keeps retrying a write while Postgres is unreachable. */
  writeRetryWindow: WriteRetryConfig
})

export interface IngestEventResult {
  readonly [key: string]: unknown
  readonly event_id: string
  readonly track_slug: string
  readonly depth: IngestDepth
  readonly races: number
  readonly results: number
  readonly drivers: number
  readonly laps: number
  readonly pages_fetched: number
  readonly pages_not_modified: number
  readonly bytes_fetched: number
}

const depthCovers = (stored: IngestDepth, wanted: IngestDepth) => stored === "laps_full" || wanted === "summary"

const usableValidators = (stored: StoredValidator | undefined, depth: IngestDepth) =>
  stored !== undefined && depthCovers(stored.depth, depth)
    ? { etag: stored.etag, lastModified: stored.lastModified }
    : undefined

const fetchFailure = (subject: string) => (error: LiveRcFetchError) => {
  if (error.retryable) {
    return new RetryableJobError({ code: "LIVERC_UNAVAILABLE", message: `${subject}: ${error.message}` })
  }
  if (error.reason === "not_found") {
    return new TerminalJobError({ code: `${subject.toUpperCase().replace(/ /g, "_")}_NOT_FOUND`, message: error.message })
  }
  return new TerminalJobError({ code: "LIVERC_REJECTED", message: error.message })
}

const parseFailure = (code: string) => (error: LiveRcParseError) =>
  new TerminalJobError({ code, message: `${error.url}: ${error.reason}` })

export class IngestEvent extends Context.Service<IngestEvent, {
  readonly handler: JobHandler<IngestEventCommand>
}>()("liverc-ingest/pipeline/IngestEvent") {
  static readonly layer = Layer.effect(
    IngestEvent,
    Effect.gen(function*() {
      const config = yield* IngestEventConfig
      const client = yield* LiveRcClient
      const parser = yield* PageParser
      const { urls } = yield* LiveRcSite
      const robots = yield* RobotsPolicy
      const reader = yield* EventReader
      const writer = yield* EventWriter
      const validators = yield* PageValidators

      const resolveTrack = (command: IngestEventCommand) =>
        command.track_slug !== undefined
          ? Effect.succeed(command.track_slug)
          : reader.findTrackSlug(command.event_id).pipe(
            Effect.mapError(persistenceFailure),
            Effect.flatMap(Option.match({
              onSome: (slug) => Effect.succeed(slug),
              onNone: () =>
                Effect.fail(
                  new TerminalJobError({
                    code: "EVENT_TRACK_UNKNOWN",
                    message: `event ${command.event_id} is not stored with a track; ingest it by track slug + event id`
                  })
                )
            }))
          )

      const ingest = Effect.fn("IngestEvent.ingest")(function*(command: IngestEventCommand, context: JobContext) {
        const depth = command.depth
        const eventId = command.event_id
        // Reported in the job's status, and named on every log line of the job until the next one.
        const enterStage = (stage: string, total: number | null) =>
          context.reportProgress(stage, 0, total).pipe(
            Effect.andThen(Effect.annotateLogsScoped({ stage })),
            Effect.andThen(Effect.logDebug(`stage ${stage}`))
          )
        yield* enterStage("resolve_track", null)
        const track: TrackSlug = yield* resolveTrack(command)
        yield* Effect.annotateCurrentSpan({ event_id: eventId, track })
        yield* robots.refreshTrack(track)

        const stats = { fetched: 0, notModified: 0, bytes: 0 }
        const collected: Array<SnapshotValidator> = []
        const fetchPage = (request: PageRequest, stored: ReadonlyMap<string, StoredValidator>, subject: string) =>
          client.fetch(request, usableValidators(stored.get(request.url), depth)).pipe(
            Effect.mapError(fetchFailure(subject)),
            Effect.tap((response: PageResponse) =>
              Effect.sync(() => {
                if (response._tag === "Fetched") {
                  stats.fetched++
                  stats.bytes += response.bytes
                  collected.push({ url: request.url, ...response.validators })
                } else {
                  stats.notModified++
                  const previous = stored.get(request.url)
                  collected.push({
                    url: request.url,
                    etag: previous?.etag ?? null,
                    lastModified: previous?.lastModified ?? null,
                    notModified: true
                  })
                }
              })
            )
          )

        // The event page and the entry list (same id on LiveRC).
        yield* enterStage("fetch_event_page", 1)
        const eventRequest = urls.event(track, eventId)
        const entryRequest = urls.entryList(track, eventId)
        const headValidators = yield* validators.lookup([eventRequest.url, entryRequest.url]).pipe(
          Effect.mapError(persistenceFailure)
        )
        const [eventResponse, entryResponse] = yield* Effect.all([
          fetchPage(eventRequest, headValidators, "event"),
          fetchPage(entryRequest, headValidators, "entry list")
        ], { concurrency: 2 })
        const event: EventPage | null = eventResponse._tag === "Fetched"
          ? yield* parser.parse("event", eventResponse.body, eventRequest.url).pipe(
            Effect.mapError(parseFailure("EVENT_PAGE_UNPARSEABLE"))
          )
          : null
        const entryList: EntryList | null = entryResponse._tag === "Fetched"
          ? yield* parser.parse("entry-list", entryResponse.body, entryRequest.url).pipe(
            Effect.mapError(parseFailure("ENTRY_LIST_UNPARSEABLE"))
          )
          : null

        const raceIds: ReadonlyArray<LiveRcId> = event !== null
          ? event.races.map((race) => race.raceId)
          : yield* reader.storedRaceIds(eventId).pipe(Effect.mapError(persistenceFailure))
        const listings = new Map(event?.races.map((race) => [race.raceId, race]) ?? [])

        // Race pages: at most `raceFibers` fibers per job; each attempt also waits for a permit of
        // the host's adaptive limit and a global throttle token inside the client.
        const raceRequests = raceIds.map((raceId) => ({ raceId, request: urls.raceResult(track, raceId) }))
        const raceValidators = yield* validators.lookup(raceRequests.map(({ request }) => request.url)).pipe(
          Effect.mapError(persistenceFailure)
        )
        let done = 0
        yield* enterStage("fetch_race_pages", raceRequests.length)
        const races: ReadonlyArray<SnapshotRace> = yield* Effect.forEach(
          raceRequests,
          ({ raceId, request }) =>
            Effect.gen(function*() {
              const response = yield* fetchPage(request, raceValidators, "race")
              const result = response._tag === "Fetched"
                ? yield* parser.parse("race-result", response.body, request.url).pipe(
                  Effect.mapError(parseFailure("RACE_PAGE_UNPARSEABLE"))
                )
                : null
              done++
              yield* context.reportProgress("fetch_race_pages", done, raceRequests.length)
              return { raceId, listing: listings.get(raceId) ?? null, result }
            }),
          { concurrency: Math.max(1, config.raceFibers) }
        )

        // Write phase: everything is in memory; one short transaction, retried while Postgres is
        // briefly unreachable so the fetched pages are not thrown away.
        yield* enterStage("write", 1)
        const counts = yield* writer.write({
          trackSlug: track,
          eventId,
          depth,
          event,
          entryList,
          races,
          validators: collected
        }).pipe(retryWrites(config.writeRetryWindow))
        yield* context.reportProgress("write", 1, 1)

        return {
          event_id: eventId,
          track_slug: track,
          depth,
          races: counts.races,
          results: counts.results,
          drivers: counts.drivers,
          laps: counts.laps,
          pages_fetched: stats.fetched,
          pages_not_modified: stats.notModified,
          bytes_fetched: stats.bytes
        } satisfies IngestEventResult
      })

      return IngestEvent.of({ handler: ingest })
    })
  )
}
