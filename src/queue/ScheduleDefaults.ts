import { Effect, Layer, Schedule } from "effect"
import { ScheduleConfig, type ScheduleSettings } from "./ScheduleConfig.ts"
import { type DefaultSchedule, type ScheduleId, ScheduleStore } from "./ScheduleStore.ts"

/**
 * The seed's three cron jobs as schedules with fixed ids, so every worker that starts makes the
 * same three and no restart makes a second set. An id switched `off` is removed; one deleted by
 * hand comes back at the next start unless it is switched off.
 */

export const defaultSchedules = (settings: ScheduleSettings): ReadonlyArray<DefaultSchedule> => [
  { scheduleId: "track-sync" as ScheduleId, cron: settings.trackSync, command: { kind: "sync_tracks" } },
  {
    scheduleId: "followed-events" as ScheduleId,
    cron: settings.followedEvents,
    command: { kind: "sync_followed_events" }
  },
  // Nightly, so a full re-fetch of what it picks is affordable and heals anything a refresh missed.
  {
    scheduleId: "recent-ingest" as ScheduleId,
    cron: settings.recentIngest,
    command: { kind: "ingest_recent", force: true }
  }
]

/** Brings the defaults in line at start; a broker that is away delays it, never the worker. */
export const ScheduleDefaults = Layer.effectDiscard(
  Effect.gen(function*() {
    const store = yield* ScheduleStore
    const settings = yield* ScheduleConfig
    const reconcile = store.reconcileDefaults(defaultSchedules(settings)).pipe(
      Effect.retry({ schedule: Schedule.exponential("500 millis"), times: 8 }),
      Effect.tap((outcomes) => {
        const changed = outcomes.filter((outcome) => outcome.action !== "unchanged")
        return changed.length === 0
          ? Effect.void
          : Effect.logInfo(`default schedules: ${changed.map((o) => `${o.scheduleId} ${o.action}`).join(", ")}`)
      }),
      Effect.catch((error) => Effect.logWarning(`default schedules not reconciled: ${error.message}`))
    )
    yield* Effect.forkScoped(reconcile)
  })
)
