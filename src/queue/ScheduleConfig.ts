import { Config, Schema } from "effect"
import { millisConfig } from "../config/DurationConfig.ts"
import { normaliseCron } from "./ScheduleSpec.ts"

/**
 * The schedules every deployment gets at first start (the seed's three cron jobs, same times,
 * UTC), each switchable: a cron line, or `off` to remove it. The tightest interval any schedule
 * may fire at protects LiveRC's request budget from a typo such as `every: "2s"`.
 */

export interface ScheduleSettings {
  readonly minIntervalMillis: number
  /** Six-field cron lines, or null for `off`. */
  readonly trackSync: string | null
  readonly followedEvents: string | null
  readonly recentIngest: string | null
}

export const defaultScheduleSettings: ScheduleSettings = {
  minIntervalMillis: 60_000,
  trackSync: "0 0 0 * * *",
  followedEvents: "0 30 0 * * *",
  recentIngest: "0 0 2 * * *"
}

const CronOrOff = Schema.String.pipe(
  Schema.check(Schema.makeFilter((text: string) =>
    text.trim().toLowerCase() === "off" || normaliseCron(text) !== null ||
    "a cron line (5 or 6 fields, or @daily ...) or off"
  ))
)

const cronSetting = (name: string, fallback: string | null) =>
  Config.schema(CronOrOff, name).pipe(
    Config.map((text): string | null => text.trim().toLowerCase() === "off" ? null : normaliseCron(text)),
    Config.withDefault(fallback)
  )

export const scheduleConfigFields = {
  minIntervalMillis: millisConfig("SCHEDULE_MIN_INTERVAL", 1000, 86_400_000, defaultScheduleSettings.minIntervalMillis),
  trackSync: cronSetting("SCHEDULE_TRACK_SYNC", defaultScheduleSettings.trackSync),
  followedEvents: cronSetting("SCHEDULE_FOLLOWED_EVENTS", defaultScheduleSettings.followedEvents),
  recentIngest: cronSetting("SCHEDULE_RECENT_INGEST", defaultScheduleSettings.recentIngest)
}

export const ScheduleConfig: Config.Config<ScheduleSettings> = Config.all(scheduleConfigFields)
