import { Config, Context, Effect, Layer, Option } from "effect"
import { RetryableJobError, TerminalJobError, type JobContext, type JobHandler } from "../actors/JobHandler.ts"
import { EventReader } from "../db/EventReader.ts"
import type { SnapshotPage, SnapshotRace, SnapshotStandings, SnapshotValidator } from "../db/EventSnapshot.ts"
import { EventWriter } from "../db/EventWriter.ts"
import { PageValidators, type StoredValidator } from "../db/PageValidators.ts"
import type { IngestEventCommand } from "../jobs/Commands.ts"
import { LiveRcClient, type LiveRcFetchError, type PageResponse } from "../liverc/LiveRcClient.ts"
import type { IngestDepth, TrackSlug } from "../liverc/LiveRcIds.ts"
import type { LiveRcParseError } from "../liverc/LiveRcParseError.ts"
import { LiveRcSite } from "../liverc/LiveRcSite.ts"
import type { PageKind, PageRequest } from "../liverc/LiveRcUrls.ts"
import type { EntryList } from "../liverc/models/EntryList.ts"
import type { EventPage } from "../liverc/models/EventPage.ts"
import type { MultiMainResult } from "../liverc/models/MultiMainResult.ts"
import type { OverallRanking } from "../liverc/models/OverallRanking.ts"
import type { QualPoints } from "../liverc/models/QualPoints.ts"
import type { RoundRanking } from "../liverc/models/RoundRanking.ts"
import { PageParser } from "../liverc/ParsePool.ts"
import { RobotsPolicy } from "../liverc/RobotsPolicy.ts"
import { AdaptiveConcurrencyConfig } from "../throttle/AdaptiveConcurrency.ts"
import { describeFailure, FAILURE_SAMPLE, persistenceFailure, retryWrites, WriteRetryConfig } from "./JobFailures.ts"
import { eventPageHash, planRefresh, type SidePage, sidePageKey } from "./RefreshPlan.ts"

/**
 * Ingests one LiveRC event. Network phase first: the event page, then what RefreshPlan says is
 * worth fetching (only what is new or changed, unless the command says `force`): the entry list,
 * race pages and the standings pages the event page links, fetched with structured concurrency
 * inside the job's scope (cancel, shutdown or a fatal error interrupts them all and aborts their
 * requests) and parsed as they arrive. Only when every page is in hand does the write phase
 * start: one short transaction (EventWriter) that takes the event's advisory lock inside it. No
 * pool connection is checked out while the job waits on LiveRC, and a race page that never parses
 * fails the job before anything is written.
 *
 * Races are the job's required pages. Standings pages are optional: one that answers 404, fails
 * or does not parse is named in the result's `warnings` and the job completes without it.
 */

export const IngestEventConfig = Config.all({
  /** Fibers per job fetching race pages; the adaptive per-host limit decides how many are in flight. */
  raceFibers: AdaptiveConcurrencyConfig.pipe(Config.map((settings) => settings.max)),
  /** How long a finished fetch phase keeps retrying a write while Postgres is unreachable. */
  writeRetryWindow: WriteRetryConfig
})

/** An optional page the job went without. */
export interface PageWarning {
  readonly [key: string]: unknown
  readonly page: PageKind
  readonly url: string
  readonly reason: string
}

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
  /** Pages a full ingest would have requested that this one did not need (unchanged or complete). */
  readonly pages_skipped: number
  readonly bytes_fetched: number
  /** Standings pages the job went without. */
  readonly standings_missing: number
  /** The first few of them and why. */
  readonly warnings: ReadonlyArray<PageWarning>
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

type SideModel = MultiMainResult | RoundRanking | QualPoints | OverallRanking

/** A standings page's outcome: its model, unchanged (304), or why the job goes without it. */
type SideOutcome =
  | { readonly _tag: "Parsed"; readonly page: SidePage; readonly model: SideModel }
  | { readonly _tag: "Unchanged"; readonly page: SidePage }
  | { readonly _tag: "Missing"; readonly page: SidePage; readonly warning: PageWarning; readonly retryable: boolean }

const standingsOf = (outcomes: ReadonlyArray<SideOutcome>): SnapshotStandings | undefined => {
  if (outcomes.length === 0) return undefined
  const parsed = <A extends SideModel>(kind: SidePage["kind"]) =>
    outcomes.flatMap((outcome): Array<SnapshotPage<A>> =>
      outcome._tag === "Parsed" && outcome.page.kind === kind ? [{ id: outcome.page.id, page: outcome.model as A }] : []
    )
  return {
    multiMains: parsed<MultiMainResult>("multi-main"),
    roundRankings: parsed<RoundRanking>("round-ranking"),
    points: parsed<QualPoints>("points"),
    overallRanking: parsed<OverallRanking>("overall-ranking")[0] ?? null,
    retry: outcomes.some((outcome) => outcome._tag === "Missing" && outcome.retryable)
  }
}

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

      const sideRequest = (track: TrackSlug, page: SidePage): PageRequest => {
        switch (page.kind) {
          case "multi-main":
            return urls.multiMain(track, page.id)
          case "round-ranking":
            return urls.roundRanking(track, page.id, page.order ?? undefined)
          case "points":
            return urls.points(track, page.id)
          case "overall-ranking":
            return urls.overallRanking(track, page.id)
        }
      }

      const parseSide = (page: SidePage, body: string, url: string): Effect.Effect<SideModel, LiveRcParseError> => {
        switch (page.kind) {
          case "multi-main":
            return parser.parse("multi-main-result", body, url)
          case "round-ranking":
            return parser.parse("round-ranking", body, url)
          case "points":
            return parser.parse("qual-points", body, url)
          case "overall-ranking":
            return parser.parse("overall-ranking", body, url)
        }
      }

      const ingest = Effect.fn("IngestEvent.ingest")(function*(command: IngestEventCommand, context: JobContext) {
        const depth = command.depth
        const eventId = command.event_id
        const force = command.force === true
        // Reported in the job's status, and named on every log line of the job until the next one.
        const enterStage = (stage: string, total: number | null) =>
          context.reportProgress(stage, 0, total).pipe(
            Effect.andThen(Effect.annotateLogsScoped({ stage })),
            Effect.andThen(Effect.logDebug(`stage ${stage}`))
          )
        yield* enterStage("resolve_track", null)
        const track: TrackSlug = yield* resolveTrack(command)
        yield* Effect.annotateCurrentSpan({ event_id: eventId, track, force })
        yield* robots.refreshTrack(track)

        const stats = { fetched: 0, notModified: 0, bytes: 0 }
        const collected: Array<SnapshotValidator> = []
        const record = (request: PageRequest, stored: ReadonlyMap<string, StoredValidator>) => (response: PageResponse) =>
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
        /** A conditional GET unless `force`; `wanted` is the depth the stored page must cover. */
        const request = (page: PageRequest, stored: ReadonlyMap<string, StoredValidator>, wanted: IngestDepth) =>
          client.fetch(page, force ? undefined : usableValidators(stored.get(page.url), wanted)).pipe(
            Effect.tap(record(page, stored))
          )

        // What is stored (read before any request: no connection is held while LiveRC answers).
        yield* enterStage("fetch_event_page", 1)
        const eventRequest = urls.event(track, eventId)
        const entryRequest = urls.entryList(track, eventId)
        const [stored, headValidators] = yield* Effect.all([
          reader.refreshState(eventId).pipe(Effect.map(Option.getOrUndefined)),
          validators.lookup([eventRequest.url, entryRequest.url])
        ], { concurrency: 2 }).pipe(Effect.mapError(persistenceFailure))

        // The event page; conditional only for an event stored with its content hash (a 304 says
        // "as stored", which is worth something only when what is stored is known).
        const known = stored !== undefined && stored.pageHash !== null
        const eventResponse = yield* request(eventRequest, known ? headValidators : new Map(), depth).pipe(
          Effect.mapError(fetchFailure("event"))
        )
        const event: EventPage | null = eventResponse._tag === "Fetched"
          ? yield* parser.parse("event", eventResponse.body, eventRequest.url).pipe(
            Effect.mapError(parseFailure("EVENT_PAGE_UNPARSEABLE"))
          )
          : null
        const pageHash = event === null ? null : eventPageHash(event)
        const changed = event !== null && (force || stored === undefined || pageHash !== stored.pageHash) ? event : null

        const plan = planRefresh({
          force,
          depth,
          stored,
          changed,
          entryListStored: headValidators.has(entryRequest.url)
        })
        const baseResult = (counts: { races: number; results: number; drivers: number; laps: number }) => ({
          event_id: eventId,
          track_slug: track,
          depth,
          ...counts,
          pages_fetched: stats.fetched,
          pages_not_modified: stats.notModified,
          pages_skipped: plan.skipped,
          bytes_fetched: stats.bytes
        })

        if (plan.upToDate) {
          // Nothing changed: only a new ETag for the same event page is worth keeping.
          if (eventResponse._tag === "Fetched") {
            // At the depth the event is stored at, which covers the one asked for.
            const storedDepth = stored?.ingestDepth === "laps_full" ? "laps_full" : depth
            yield* writer.recordValidators(storedDepth, collected).pipe(retryWrites(config.writeRetryWindow))
          }
          const counts = yield* reader.counts(eventId).pipe(Effect.mapError(persistenceFailure))
          return { ...baseResult(counts), standings_missing: 0, warnings: [] } satisfies IngestEventResult
        }

        const raceRequests = plan.races.map((race) => ({ ...race, request: urls.raceResult(track, race.raceId) }))
        const sideRequests = plan.sidePages.map((page) => ({ page, request: sideRequest(track, page) }))
        const storedPages = stored?.storedPages ?? new Set<string>()
        // A standings page's validators count only while its rows are stored.
        const [raceValidators, sideValidators] = yield* Effect.all([
          validators.lookup(raceRequests.map(({ request }) => request.url)),
          validators.lookup(
            sideRequests.filter(({ page }) => storedPages.has(sidePageKey(page))).map(({ request }) => request.url)
          )
        ], { concurrency: 2 }).pipe(Effect.mapError(persistenceFailure))

        // At most `raceFibers` fibers per page kind; each attempt also waits for a permit of
        // the host's adaptive limit and a global throttle token inside the client.
        const pages = raceRequests.length + sideRequests.length + (plan.entryList ? 1 : 0)
        let done = 0
        const progress = Effect.suspend(() => context.reportProgress("fetch_race_pages", ++done, pages))
        yield* enterStage("fetch_race_pages", pages)
        const fibers = Math.max(1, config.raceFibers)

        const fetchEntryList: Effect.Effect<EntryList | null, RetryableJobError | TerminalJobError> = plan.entryList
          ? Effect.gen(function*() {
            const response = yield* request(entryRequest, headValidators, depth).pipe(Effect.mapError(fetchFailure("entry list")))
            const entryList = response._tag === "Fetched"
              ? yield* parser.parse("entry-list", response.body, entryRequest.url).pipe(
                Effect.mapError(parseFailure("ENTRY_LIST_UNPARSEABLE"))
              )
              : null
            yield* progress
            return entryList
          })
          : Effect.succeed(null)

        const fetchRaces = Effect.forEach(
          raceRequests,
          ({ listing, raceId, request: raceRequest }) =>
            Effect.gen(function*() {
              const response = yield* request(raceRequest, raceValidators, depth).pipe(Effect.mapError(fetchFailure("race")))
              const result = response._tag === "Fetched"
                ? yield* parser.parse("race-result", response.body, raceRequest.url).pipe(
                  Effect.mapError(parseFailure("RACE_PAGE_UNPARSEABLE"))
                )
                : null
              yield* progress
              return { raceId, listing, result } satisfies SnapshotRace
            }),
          { concurrency: fibers }
        )

        const fetchSidePages = Effect.forEach(
          sideRequests,
          ({ page, request: sideRequest }) =>
            Effect.gen(function*() {
              const missing = (error: LiveRcFetchError | LiveRcParseError): SideOutcome => ({
                _tag: "Missing",
                page,
                warning: { page: sideRequest.kind, url: sideRequest.url, reason: describeFailure(error) },
                retryable: error._tag === "LiveRcFetchError" && error.retryable
              })
              // Standings depend on no depth: any stored validators will do.
              const outcome: SideOutcome = yield* request(sideRequest, sideValidators, "summary").pipe(
                Effect.flatMap((response): Effect.Effect<SideOutcome, LiveRcParseError> =>
                  response._tag === "NotModified"
                    ? Effect.succeed({ _tag: "Unchanged", page })
                    : parseSide(page, response.body, sideRequest.url).pipe(
                      Effect.map((model): SideOutcome => ({ _tag: "Parsed", page, model }))
                    )
                ),
                Effect.catch((error) => Effect.succeed(missing(error)))
              )
              if (outcome._tag === "Missing") {
                // Its validators must not be stored: the page's rows were not.
                const index = collected.findIndex((validator) => validator.url === sideRequest.url)
                if (index >= 0) collected.splice(index, 1)
                yield* Effect.logWarning(`standings page left out: ${outcome.warning.url}: ${outcome.warning.reason}`)
              }
              yield* progress
              return outcome
            }),
          { concurrency: fibers }
        )

        const { entryList, races, side } = yield* Effect.all(
          { entryList: fetchEntryList, races: fetchRaces, side: fetchSidePages },
          { concurrency: "unbounded" }
        )

        // Write phase: everything is in memory; one short transaction, retried while Postgres is
        // briefly unreachable so the fetched pages are not thrown away.
        yield* enterStage("write", 1)
        const counts = yield* writer.write({
          trackSlug: track,
          eventId,
          depth,
          event: changed,
          pageHash: changed === null ? undefined : pageHash,
          entryList,
          races,
          standings: standingsOf(side),
          validators: collected
        }).pipe(retryWrites(config.writeRetryWindow))
        yield* context.reportProgress("write", 1, 1)

        const warnings = side.flatMap((outcome) => (outcome._tag === "Missing" ? [outcome.warning] : []))
        return {
          ...baseResult(counts),
          standings_missing: warnings.length,
          warnings: warnings.slice(0, FAILURE_SAMPLE)
        } satisfies IngestEventResult
      })

      return IngestEvent.of({ handler: ingest })
    })
  )
}
