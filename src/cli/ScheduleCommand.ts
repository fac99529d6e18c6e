import { Effect, Option, Schema } from "effect"
import { Argument, Command, Flag } from "effect/cli"
import { checkConfig } from "../config/ConfigCheck.ts"
import { JobKind } from "../jobs/Commands.ts"
import type { CommandRequest, InvalidCommand } from "../jobs/JobCommands.ts"
import { scheduleConfigFields } from "../queue/ScheduleConfig.ts"
import type { InvalidSchedule } from "../queue/ScheduleSpec.ts"
import { ScheduleId, ScheduleStore, type ScheduleView } from "../queue/ScheduleStore.ts"
import { BadInput, NotFound, unreachable } from "../terminal/ExitCodes.ts"
import { isInteractive, printJson, printJsonLine, writeOut } from "../terminal/Terminal.ts"
import { describeParams, renderTable } from "../terminal/TextTable.ts"
import { depthFlag, jsonFlag } from "./CommandInput.ts"
import { withQueue } from "./OperatorSession.ts"

/**
 * `liverc-ingest schedule ls | add <kind> ... | rm <id>`: the schedules in the SCHEDULES stream,
 * made and checked exactly as `POST /api/v1/schedules` makes them (ScheduleStore).
 */

const table = (schedules: ReadonlyArray<ScheduleView>) =>
  renderTable(
    ["ID", "KIND", "SPEC", "NEXT RUN", "UNTIL", "COMMAND"],
    schedules.map((s) => [
      s.schedule_id,
      s.kind,
      s.spec,
      s.next_run ?? "-",
      s.until ?? "-",
      describeParams(Object.fromEntries(Object.entries(s.command).filter(([key]) => key !== "kind")))
    ])
  )

const list = Command.make(
  "ls",
  { json: jsonFlag },
  Effect.fn("ScheduleCommand.ls")(function*({ json }) {
    yield* checkConfig(scheduleConfigFields)
    yield* withQueue(Effect.gen(function*() {
      const schedules = yield* (yield* ScheduleStore).list.pipe(Effect.catchTag("QueueUnavailable", unreachable))
      if (json || !isInteractive()) return yield* printJsonLine({ schedules })
      yield* writeOut(`${schedules.length} schedules\n${schedules.length === 0 ? "" : `${table(schedules)}\n`}`)
    }))
  })
).pipe(Command.withAlias("list"), Command.withDescription("List every schedule with its next run"))

/** The flag a schedule or command field is given with on this command line. */
const FLAG_OF: Record<string, string> = {
  event_id: "--event",
  track_slug: "--track",
  time_zone: "--time-zone",
  window_days: "--window-days",
  min_age_hours: "--min-age-hours",
  max_events: "--max-events",
  max_per_track: "--max-per-track"
}
const flagOf = (field: string) => FLAG_OF[field] ?? `--${field}`

const refused = (error: InvalidSchedule | InvalidCommand) =>
  new BadInput({ reason: error.field === null ? error.reason : `${flagOf(error.field)}: ${error.reason}` })

const optionalString = (name: string, description: string) =>
  Flag.String(name).pipe(Flag.withDescription(description), Flag.optional)
const optionalInt = (name: string, description: string) =>
  Flag.Int(name).pipe(Flag.withDescription(description), Flag.optional)

const add = Command.make(
  "add",
  {
    kind: Argument.Literals("kind", JobKind.literals).pipe(Argument.withDescription("The job to run")),
    event: optionalString("event", "ingest_event: the LiveRC event id"),
    track: optionalString("track", "ingest_event, sync_events, discover_practice: the track's slug"),
    depth: depthFlag.pipe(Flag.optional),
    from: optionalString("from", "discover_practice: first day, YYYY-MM-DD"),
    to: optionalString("to", "discover_practice: last day, YYYY-MM-DD"),
    windowDays: optionalInt("window-days", "ingest_recent: days back from the run (default 7)"),
    minAgeHours: optionalInt("min-age-hours", "ingest_recent: skip events younger than this (default 12)"),
    maxEvents: optionalInt("max-events", "ingest_recent: at most this many events per run (default 50)"),
    maxPerTrack: optionalInt("max-per-track", "ingest_recent: at most this many per track (default 5)"),
    force: Flag.Boolean("force").pipe(Flag.withDescription("Re-fetch every page, changed or not"), Flag.withDefault(false)),
    every: optionalString("every", "Fire every interval: 30s, 2m, 1h30m, 1d (at least SCHEDULE_MIN_INTERVAL)"),
    cron: optionalString("cron", "Fire on a cron line: 5 fields, or 6 with seconds first, or @daily ... (UTC)"),
    at: optionalString("at", "Fire once, at this RFC 3339 time"),
    until: optionalString("until", "Stop at this RFC 3339 time"),
    timeZone: optionalString("time-zone", "IANA time zone of a --cron line (default UTC)"),
    json: jsonFlag
  },
  Effect.fn("ScheduleCommand.add")(function*(input) {
    yield* checkConfig(scheduleConfigFields)
    const value = <A>(option: Option.Option<A>) => Option.getOrUndefined(option)
    const fields: Record<string, unknown> = {
      kind: input.kind,
      event_id: value(input.event),
      track_slug: value(input.track),
      depth: value(input.depth),
      from: value(input.from),
      to: value(input.to),
      window_days: value(input.windowDays),
      min_age_hours: value(input.minAgeHours),
      max_events: value(input.maxEvents),
      max_per_track: value(input.maxPerTrack),
      force: input.force ? true : undefined
    }
    const command = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as unknown as CommandRequest
    yield* withQueue(Effect.gen(function*() {
      const view = yield* (yield* ScheduleStore).create({
        command,
        timing: {
          every: value(input.every),
          cron: value(input.cron),
          at: value(input.at),
          until: value(input.until),
          time_zone: value(input.timeZone)
        }
      }).pipe(
        Effect.catchTags({
          InvalidSchedule: (error) => Effect.fail(refused(error)),
          InvalidCommand: (error) => Effect.fail(refused(error)),
          TooManySchedules: (error) => Effect.fail(new BadInput({ reason: error.message })),
          QueueUnavailable: unreachable
        })
      )
      if (input.json || !isInteractive()) return yield* printJsonLine(view)
      yield* writeOut(`scheduled ${view.schedule_id}: ${view.kind} ${view.spec}, next run ${view.next_run ?? "-"}\n`)
      yield* printJson(view)
    }))
  })
).pipe(Command.withDescription("Run a job on a schedule (exactly one of --every, --cron, --at)"))

const decodeScheduleId = Schema.decodeUnknownEffect(ScheduleId)

const remove = Command.make(
  "rm",
  { id: Argument.String("schedule-id").pipe(Argument.withDescription("A schedule id as `schedule ls` prints it")) },
  Effect.fn("ScheduleCommand.rm")(function*({ id }) {
    yield* checkConfig(scheduleConfigFields)
    const scheduleId = yield* decodeScheduleId(id).pipe(
      Effect.mapError(() => new BadInput({ reason: `invalid schedule id ${JSON.stringify(id.slice(0, 80))}` }))
    )
    yield* withQueue(Effect.gen(function*() {
      yield* (yield* ScheduleStore).remove(scheduleId).pipe(
        Effect.catchTags({
          ScheduleNotFound: (error) => Effect.fail(new NotFound({ reason: error.message })),
          QueueUnavailable: unreachable
        })
      )
      yield* isInteractive() ? writeOut(`deleted ${scheduleId}\n`) : printJsonLine({ schedule_id: scheduleId, deleted: true })
    }))
  })
).pipe(Command.withAlias("delete"), Command.withDescription("Delete a schedule: it fires no more"))

export const scheduleCommand = Command.make("schedule").pipe(
  Command.withDescription("List, add and delete schedules (NATS message schedules in SCHEDULES)"),
  Command.withSubcommands([list, add, remove])
)
