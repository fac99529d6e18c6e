import { Clock, Context, Effect, Layer } from "effect"
import type { JobContext, JobFailure, JobHandler, JobResult } from "../actors/JobHandler.ts"
import { RetryableJobError } from "../actors/JobHandler.ts"
import { FollowedTrackRepository } from "../db/FollowedTrackRepository.ts"
import type { IngestRecentCommand, SyncFollowedEventsCommand } from "../jobs/Commands.ts"
import type { LiveRcId, TrackSlug } from "../liverc/LiveRcIds.ts"
import { EventsSync } from "./EventsSync.ts"
import { IngestEvent } from "./IngestEvent.ts"
import { FAILURE_SAMPLE, persistenceFailure } from "./JobFailures.ts"

/**
 * The jobs the default schedules run over the followed tracks: refresh their event lists (the
 * seed's 00:30 job) and ingest their recent events not yet stored at the wanted depth (02:00).
 * Each runs its steps one after another inside the one job, reusing the event-list sync and the
 * event ingest as they are: the throttle, conditional requests and adaptive concurrency apply
 * unchanged, and one job never floods the queue with children. A step that fails is recorded on
 * the result and the job goes on; only when every step failed for a reason a retry could fix does
 * the job itself retry.
 */

export interface StepFailure {
  readonly [key: string]: unknown
  readonly code: string
  readonly message: string
}

interface StepOutcome<A> {
  readonly done: ReadonlyArray<A>
  readonly failed: ReadonlyArray<{ readonly item: A; readonly error: JobFailure }>
}

const runSteps = <A>(
  items: ReadonlyArray<A>,
  stage: string,
  context: JobContext,
  step: (item: A, stepContext: JobContext) => Effect.Effect<JobResult, JobFailure, never>
) =>
  Effect.gen(function*() {
    const done: Array<A> = []
    const failed: Array<{ item: A; error: JobFailure }> = []
    yield* context.reportProgress(stage, 0, items.length)
    // Child steps report their own stages; the job shows how many steps are behind it.
    const stepContext: JobContext = { ...context, reportProgress: () => Effect.void }
    for (const [index, item] of items.entries()) {
      const outcome = yield* Effect.result(step(item, stepContext))
      if (outcome._tag === "Success") done.push(item)
      else failed.push({ item, error: outcome.failure })
      yield* context.reportProgress(stage, index + 1, items.length)
    }
    if (done.length === 0 && failed.length > 0 && failed.every(({ error }) => error._tag === "RetryableJobError")) {
      const first = failed[0]!.error
      return yield* Effect.fail(
        new RetryableJobError({ code: first.code, message: `every step failed; the first: ${first.message}` })
      )
    }
    return { done, failed } satisfies StepOutcome<A>
  })

const describeFailed = <A>(failed: StepOutcome<A>["failed"], describe: (item: A) => Record<string, unknown>) =>
  failed.slice(0, FAILURE_SAMPLE).map(({ item, error }) => ({ ...describe(item), code: error.code, message: error.message }))

export class FollowedTrackJobs extends Context.Service<FollowedTrackJobs, {
  readonly syncFollowedEvents: JobHandler<SyncFollowedEventsCommand>
  readonly ingestRecent: JobHandler<IngestRecentCommand>
}>()("liverc-ingest/pipeline/FollowedTrackJobs") {
  static readonly layer = Layer.effect(
    FollowedTrackJobs,
    Effect.gen(function*() {
      const followed = yield* FollowedTrackRepository
      const eventsSync = yield* EventsSync
      const ingestEvent = yield* IngestEvent

      const syncFollowedEvents = Effect.fn("FollowedTrackJobs.syncFollowedEvents")(
        function*(command: SyncFollowedEventsCommand, context: JobContext) {
          const tracks = yield* followed.list.pipe(Effect.mapError(persistenceFailure))
          const slugs = tracks.map((track) => track.trackSlug as TrackSlug)
          const outcome = yield* runSteps(slugs, "sync_event_lists", context, (slug, stepContext) =>
            Effect.scoped(eventsSync.handler({ v: 1, job_id: command.job_id, kind: "sync_events", track_slug: slug }, stepContext)))
          return {
            tracks: slugs.length,
            synced: outcome.done.length,
            failed: outcome.failed.length,
            failures: describeFailed(outcome.failed, (slug) => ({ track_slug: slug }))
          }
        }
      )

      const ingestRecent = Effect.fn("FollowedTrackJobs.ingestRecent")(
        function*(command: IngestRecentCommand, context: JobContext) {
          const now = new Date(yield* Clock.currentTimeMillis)
          const picked = yield* followed.recentEvents({
            runDate: now.toISOString().slice(0, 10),
            now,
            windowDays: command.window_days,
            minAgeHours: command.min_age_hours,
            depth: command.depth,
            maxEvents: command.max_events,
            maxPerTrack: command.max_per_track
          }).pipe(Effect.mapError(persistenceFailure))
          const outcome = yield* runSteps(picked, "ingest_events", context, (event, stepContext) =>
            Effect.scoped(ingestEvent.handler({
              v: 1,
              job_id: command.job_id,
              kind: "ingest_event",
              event_id: event.eventId as LiveRcId,
              track_slug: event.trackSlug as TrackSlug,
              depth: command.depth,
              ...(command.force === true ? { force: true } : {})
            }, stepContext)))
          return {
            depth: command.depth,
            eligible: picked.length,
            ingested: outcome.done.length,
            failed: outcome.failed.length,
            events: picked.map((event) => ({ event_id: event.eventId, track_slug: event.trackSlug, date: event.date })),
            failures: describeFailed(outcome.failed, (event) => ({ event_id: event.eventId, track_slug: event.trackSlug }))
          }
        }
      )

      return FollowedTrackJobs.of({ syncFollowedEvents, ingestRecent })
    })
  )
}
