import { Config, Context, Effect, Layer, Schema, Stream } from "effect"
import { Gauge } from "prom-client"
import { RetryableJobError, type JobContext, type JobHandler } from "../actors/JobHandler.ts"
import { PageValidators, type StoredValidator } from "../db/PageValidators.ts"
import { type SyncedTrack, TrackRepository } from "../db/TrackRepository.ts"
import type { SyncTracksCommand } from "../jobs/Commands.ts"
import { LiveRcClient, type LiveRcFetchError } from "../liverc/LiveRcClient.ts"
import type { LiveRcParseError } from "../liverc/LiveRcParseError.ts"
import { LiveRcSite } from "../liverc/LiveRcSite.ts"
import type { CatalogueTrack } from "../liverc/models/TrackCatalogue.ts"
import { PageParser } from "../liverc/ParsePool.ts"
import { registry } from "../observability/Metrics.ts"
import { boundedIntConfig } from "../config/IntConfig.ts"
import {
  describeFailure,
  FAILURE_SAMPLE,
  fetchBody,
  listingParseFailure,
  persistenceFailure,
  requiredPageFailure,
  retryWrites,
  WriteRetryConfig
} from "./JobFailures.ts"

/**
 * Syncs LiveRC's track catalogue: the catalogue page, then every track's dashboard for its
 * metadata through a stream with a fixed pool of TRACK_SYNC_CONCURRENCY fetches, so however many
 * tracks there are, no more fibers, sockets or parsed pages than that exist at once. Results are
 * written in batches as they arrive (a cancelled sync keeps every batch it wrote), each with the
 * dashboards' validators, so the next sync gets a 304 for a dashboard that did not change. A
 * dashboard that cannot be had counts as failed; its catalogue row is still written.
 */

/** One Config per environment variable, so a start-up check can report every bad value. */
export const trackSyncConfigFields = {
  /** Dashboard fetches in flight at once (each also takes a throttle token). */
  concurrency: boundedIntConfig("TRACK_SYNC_CONCURRENCY", 1, 256, 6),
  /** Tracks per write (and per validator lookup). */
  batchSize: boundedIntConfig("TRACK_SYNC_BATCH", 1, 5000, 100),
  /** Most of the previously listed tracks one sync may deactivate; above it, none are. */
  maxDeactivateFraction: Config.schema(
    Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 })),
    "TRACK_SYNC_MAX_DEACTIVATE_FRACTION"
  ).pipe(Config.withDefault(0.2)),
  writeRetryWindow: WriteRetryConfig
}

export const TrackSyncConfig = Config.all(trackSyncConfigFields)

const backlogGauge = new Gauge({
  name: "liverc_track_sync_backlog",
  help: "Tracks of running track syncs still waiting for their dashboard fetch",
  registers: [registry]
})

/** A batch is written when full or after this long, so a slow tail still reaches Postgres. */
const BATCH_WINDOW = "1 second"

/**
 * A copy sharing no characters with the page it was parsed from. V8 cuts substrings as views of
 * their parent string, so a parsed record kept for later (a catalogue row for the whole sync, a
 * dashboard until its batch is written) would keep its entire page alive with it.
 */
const detached = <A>(parsed: A): A => structuredClone(parsed)

export interface TrackSyncResult {
  readonly [key: string]: unknown
  readonly tracks: number
  readonly new: number
  readonly updated: number
  readonly unchanged: number
  readonly failed: number
  readonly deactivated: number
  /** Tracks an earlier catalogue listed that this one does not. */
  readonly unlisted: number
  readonly deactivation_skipped: boolean
  readonly dashboards_fetched: number
  readonly dashboards_not_modified: number
  /** The first few failed tracks and why. */
  readonly failures: ReadonlyArray<{ readonly slug: string; readonly reason: string }>
}

export class TrackSync extends Context.Service<TrackSync, {
  readonly handler: JobHandler<SyncTracksCommand>
}>()("liverc-ingest/pipeline/TrackSync") {
  static readonly layer = Layer.effect(
    TrackSync,
    Effect.gen(function*() {
      const config = yield* TrackSyncConfig
      const client = yield* LiveRcClient
      const parser = yield* PageParser
      const { urls } = yield* LiveRcSite
      const repository = yield* TrackRepository
      const validators = yield* PageValidators

      const readCatalogue = Effect.suspend(() => {
        const request = urls.trackCatalogue()
        return fetchBody(client, request).pipe(
          Effect.flatMap((body) => parser.parse("track-catalogue", body, request.url)),
          Effect.catchTags({
            LiveRcFetchError: (error) => Effect.fail(requiredPageFailure("CATALOGUE_NOT_FOUND")(error)),
            LiveRcParseError: (error) => Effect.fail(listingParseFailure("CATALOGUE_UNPARSEABLE")(error))
          })
        )
      })

      const sync = Effect.fn("TrackSync.sync")(function*(_command: SyncTracksCommand, context: JobContext) {
        yield* context.reportProgress("fetch_catalogue", 0, null)
        const tracks = detached((yield* readCatalogue).tracks)
        const total = tracks.length

        yield* context.reportProgress("deactivate_unlisted", 0, null)
        const deactivation = yield* repository.deactivateUnlisted(
          tracks.map((track) => track.slug),
          config.maxDeactivateFraction
        ).pipe(Effect.mapError(persistenceFailure))
        if (deactivation.skipped) {
          yield* Effect.logWarning(
            `track sync: the catalogue lacks ${deactivation.unlisted} previously listed tracks, more than ` +
              `TRACK_SYNC_MAX_DEACTIVATE_FRACTION=${config.maxDeactivateFraction} of them; none deactivated`
          )
        }

        const tally = { new: 0, updated: 0, unchanged: 0, failed: 0, retryableFailures: 0, fetched: 0, notModified: 0 }
        const failures: Array<{ slug: string; reason: string }> = []
        let finished = 0
        let waiting = total
        backlogGauge.inc(total)
        yield* context.reportProgress("sync_tracks", 0, total)

        const failed = (track: CatalogueTrack, error: LiveRcFetchError | LiveRcParseError): SyncedTrack => {
          tally.failed++
          if (error._tag === "LiveRcFetchError" && error.retryable) tally.retryableFailures++
          if (failures.length < FAILURE_SAMPLE) failures.push({ slug: track.slug, reason: describeFailure(error) })
          return { track, dashboard: { _tag: "Failed" } }
        }

        const syncDashboard = (track: CatalogueTrack, stored: StoredValidator | undefined) =>
          Effect.gen(function*() {
            waiting--
            backlogGauge.dec()
            const request = urls.trackDashboard(track.slug)
            const response = yield* client.fetch(request, stored)
            if (response._tag === "NotModified") {
              tally.notModified++
              return { track, dashboard: { _tag: "NotModified" } } satisfies SyncedTrack
            }
            const dashboard = detached(yield* parser.parse("track-dashboard", response.body, request.url))
            tally.fetched++
            return {
              track,
              dashboard: { _tag: "Fetched", dashboard, page: { url: request.url, ...response.validators } }
            } satisfies SyncedTrack
          }).pipe(
            Effect.catch((error) => Effect.succeed(failed(track, error))),
            Effect.tap(() => {
              finished++
              return context.reportProgress("sync_tracks", finished, total)
            })
          )

        const withStoredValidators = (chunk: ReadonlyArray<CatalogueTrack>) =>
          validators.lookup(chunk.map((track) => urls.trackDashboard(track.slug).url)).pipe(
            Effect.map((stored) => chunk.map((track) => ({ track, stored: stored.get(urls.trackDashboard(track.slug).url) }))),
            Effect.mapError(persistenceFailure)
          )

        const write = (batch: ReadonlyArray<SyncedTrack>) =>
          repository.upsertSyncedTracks(batch).pipe(
            retryWrites(config.writeRetryWindow),
            Effect.tap((counts) =>
              Effect.sync(() => {
                tally.new += counts.new
                tally.updated += counts.updated
                tally.unchanged += counts.unchanged
              })
            )
          )

        yield* Stream.fromIterable(tracks).pipe(
          Stream.grouped(config.batchSize),
          Stream.mapEffect(withStoredValidators),
          Stream.flattenIterable,
          Stream.mapEffect(({ track, stored }) => syncDashboard(track, stored), {
            concurrency: config.concurrency,
            unordered: true
          }),
          Stream.groupedWithin(config.batchSize, BATCH_WINDOW),
          Stream.mapEffect(write),
          Stream.runDrain,
          Effect.ensuring(Effect.sync(() => backlogGauge.dec(waiting)))
        )

        // Every dashboard lost to a passing LiveRC problem: worth a later delivery, not a result.
        if (total > 0 && tally.retryableFailures === total) {
          return yield* new RetryableJobError({
            code: "LIVERC_UNAVAILABLE",
            message: `no dashboard of ${total} tracks could be fetched: ${failures[0]?.reason ?? "unknown"}`
          })
        }

        return {
          tracks: total,
          new: tally.new,
          updated: tally.updated,
          unchanged: tally.unchanged,
          failed: tally.failed,
          deactivated: deactivation.deactivated,
          unlisted: deactivation.unlisted,
          deactivation_skipped: deactivation.skipped,
          dashboards_fetched: tally.fetched,
          dashboards_not_modified: tally.notModified,
          failures
        } satisfies TrackSyncResult
      })

      return TrackSync.of({ handler: sync })
    })
  )
}
