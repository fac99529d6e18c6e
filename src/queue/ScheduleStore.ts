import type { StoredMsg } from "@nats-io/jetstream"
import { headers as natsHeaders } from "@nats-io/transport-node"
import { Clock, Context, Effect, Layer, Option, Result, Schema } from "effect"
import { randomBytes } from "node:crypto"
import { isWrongLastSequence, type JetStreamFailure, jetStreamCall } from "../broker/JetStreamFailure.ts"
import { ttlHeader } from "../broker/StreamSpec.ts"
import { JobKind } from "../jobs/Commands.ts"
import { type CommandRequest, type InvalidCommand, JobCommands, requestOf } from "../jobs/JobCommands.ts"
import { IngestStreams } from "./IngestStreams.ts"
import { QueueUnavailable } from "./JobQueue.ts"
import { ScheduleConfig } from "./ScheduleConfig.ts"
import {
  describeTiming,
  InvalidSchedule,
  natsSchedule,
  nextRun,
  parseTiming,
  type ScheduleTiming,
  type TimingRequest
} from "./ScheduleSpec.ts"
import { FIRE_SUBJECT_PREFIX, SCHEDULE_SUBJECT_PREFIX } from "./Topology.ts"

/**
 * Schedules as NATS message schedules: one message per schedule on `schedules.def.<id>` whose
 * `Nats-Schedule` header says when and whose body is the command to run (without its job id).
 * The server fires it onto `schedules.fire.<id>`; ScheduleRelay makes each firing a job. Nothing
 * here keeps a timer: a schedule exists exactly while its message does, so it survives restarts,
 * fires once per cluster, and `nats stream view SCHEDULES` shows it. `until` is the message's own
 * TTL, so the server removes the schedule at that time.
 */

export const ScheduleId = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^[A-Za-z0-9_-]{1,64}$/, {
    message: "a schedule id is 1-64 characters of A-Z, a-z, 0-9, '_' and '-'"
  })),
  Schema.brand("ScheduleId")
)
export type ScheduleId = typeof ScheduleId.Type

/** The schedule's body: what a firing carries to the relay. */
export const ScheduleDocument = Schema.Struct({
  v: Schema.Literal(1),
  schedule_id: ScheduleId,
  kind: JobKind,
  /** The `Nats-Schedule` value, as stored. */
  spec: Schema.String,
  time_zone: Schema.NullOr(Schema.String),
  until: Schema.NullOr(Schema.String),
  /** The command's fields, defaults filled in, without `v`, `job_id` or `requested_at`. */
  command: Schema.Record(Schema.String, Schema.Unknown),
  created_at: Schema.String
})
export type ScheduleDocument = typeof ScheduleDocument.Type
export const decodeScheduleJson = Schema.decodeUnknownResult(Schema.fromJsonString(ScheduleDocument))

/** A schedule as the API and the CLI show it. */
export interface ScheduleView {
  readonly schedule_id: string
  readonly kind: string
  /** `every 2m`, `cron 0 0 2 * * *`, `at <time>`. */
  readonly spec: string
  /** The `Nats-Schedule` header as the broker holds it. */
  readonly nats_schedule: string
  readonly time_zone: string | null
  readonly next_run: string | null
  readonly until: string | null
  readonly command: Record<string, unknown>
  readonly created_at: string
}

/** Carried on every firing, so the relay drops a firing that raced past `until`. */
export const UNTIL_HEADER = "Liverc-Schedule-Until"

/** More would make listing them a chore and suggests a runaway client. */
export const MAX_SCHEDULES = 1000

export class ScheduleNotFound extends Schema.TaggedError<ScheduleNotFound>()("ScheduleNotFound", {
  scheduleId: Schema.String
}) {
  override get message() {
    return `no schedule ${this.scheduleId}`
  }
}

export class TooManySchedules extends Schema.TaggedError<TooManySchedules>()("TooManySchedules", {
  limit: Schema.Int
}) {
  override get message() {
    return `at most ${this.limit} schedules; delete some first`
  }
}

/** What makes a schedule request a 400: its timing, or its command. */
export type ScheduleSpecFailure = InvalidSchedule | InvalidCommand

export interface ScheduleRequest {
  readonly command: CommandRequest
  readonly timing: TimingRequest
}

/** A default schedule: a fixed id, a cron line (null = off) and its command. */
export interface DefaultSchedule {
  readonly scheduleId: ScheduleId
  readonly cron: string | null
  readonly command: CommandRequest
}

export type DefaultAction = "created" | "replaced" | "removed" | "unchanged"

export const newScheduleId = (): ScheduleId => `sch-${randomBytes(9).toString("base64url")}` as ScheduleId

export const scheduleSubject = (id: string) => `${SCHEDULE_SUBJECT_PREFIX}${id}`
export const fireSubject = (id: string) => `${FIRE_SUBJECT_PREFIX}${id}`

/** The timing a stored `Nats-Schedule` value stands for. */
export const timingOf = (document: ScheduleDocument): ScheduleTiming => {
  const every = /^@every (\d+)s$/.exec(document.spec)
  if (every !== null) return { _tag: "Every", seconds: Number(every[1]) }
  if (document.spec.startsWith("@at ")) return { _tag: "At", at: new Date(document.spec.slice(4)) }
  return { _tag: "Cron", expression: document.spec, timeZone: document.time_zone }
}

export const viewOf = (document: ScheduleDocument, storedAt: Date, now: Date): ScheduleView => {
  const timing = timingOf(document)
  const next = nextRun(timing, storedAt, now, document.until === null ? null : new Date(document.until))
  return {
    schedule_id: document.schedule_id,
    kind: document.kind,
    spec: describeTiming(timing),
    nats_schedule: document.spec,
    time_zone: document.time_zone,
    next_run: next?.toISOString() ?? null,
    until: document.until,
    command: document.command,
    created_at: document.created_at
  }
}

export class ScheduleStore extends Context.Service<ScheduleStore, {
  readonly create: (
    request: ScheduleRequest
  ) => Effect.Effect<ScheduleView, InvalidSchedule | InvalidCommand | TooManySchedules | QueueUnavailable>
  readonly list: Effect.Effect<ReadonlyArray<ScheduleView>, QueueUnavailable>
  readonly get: (id: ScheduleId) => Effect.Effect<ScheduleView, ScheduleNotFound | QueueUnavailable>
  readonly remove: (id: ScheduleId) => Effect.Effect<void, ScheduleNotFound | QueueUnavailable>
  /**
   * Makes the stored defaults match `defaults`: creates a missing one, replaces one whose spec or
   * command changed, removes one switched off. Safe to run from every process at once: each write
   * is conditional on the subject's last sequence, and a lost race means another process did it.
   */
  readonly reconcileDefaults: (
    defaults: ReadonlyArray<DefaultSchedule>
  ) => Effect.Effect<ReadonlyArray<{ readonly scheduleId: string; readonly action: DefaultAction }>, QueueUnavailable>
}>()("liverc-ingest/queue/ScheduleStore") {
  static readonly layer = Layer.effect(
    ScheduleStore,
    Effect.gen(function*() {
      const { nats, topology } = yield* IngestStreams
      const commands = yield* JobCommands
      const settings = yield* ScheduleConfig
      const stream = topology.schedules.name
      const unavailable = (failure: JetStreamFailure) => new QueueUnavailable({ reason: failure.message })
      const now = Effect.map(Clock.currentTimeMillis, (millis) => new Date(millis))

      const decodeStored = (msg: StoredMsg): Option.Option<ScheduleDocument> => {
        const decoded = decodeScheduleJson(msg.string())
        return Result.isSuccess(decoded) ? Option.some(decoded.success) : Option.none()
      }

      const readStored = (id: string) =>
        jetStreamCall("schedule read", () => nats.jsm.direct.getMessage(stream, { last_by_subj: scheduleSubject(id) })).pipe(
          Effect.map((msg) => msg === null ? Option.none() : Option.map(decodeStored(msg), (document) => ({ document, msg })))
        )

      const readAll = Effect.gen(function*() {
        const batch = yield* jetStreamCall(
          "schedule list",
          () => nats.jsm.direct.getLastMessagesFor(stream, { multi_last: [`${SCHEDULE_SUBJECT_PREFIX}>`], batch: MAX_SCHEDULES + 1 })
        )
        return yield* jetStreamCall("schedule list", async () => {
          const found: Array<{ document: ScheduleDocument; msg: StoredMsg }> = []
          for await (const msg of batch) {
            const document = decodeStored(msg)
            if (Option.isSome(document)) found.push({ document: document.value, msg })
          }
          return found
        })
      }).pipe(
        // An empty stream answers "no message found" instead of an empty batch.
        Effect.catchIf((failure) => failure.code === 10037 || /no message/i.test(failure.reason), () => Effect.succeed([]))
      )

      const publish = (document: ScheduleDocument, timing: ScheduleTiming, until: Date | null, expectedSeq: number | null) =>
        Effect.gen(function*() {
          const current = yield* now
          const headers = natsHeaders()
          headers.set("Nats-Schedule", natsSchedule(timing))
          headers.set("Nats-Schedule-Target", fireSubject(document.schedule_id))
          if (timing._tag === "Cron" && timing.timeZone !== null) headers.set("Nats-Schedule-Time-Zone", timing.timeZone)
          if (until !== null) {
            headers.set("Nats-TTL", ttlHeader(until.getTime() - current.getTime()))
            headers.set(UNTIL_HEADER, until.toISOString())
          }
          if (expectedSeq !== null) headers.set("Nats-Expected-Last-Subject-Sequence", String(expectedSeq))
          return yield* jetStreamCall(
            "schedule publish",
            () => nats.js.publish(scheduleSubject(document.schedule_id), JSON.stringify(document), { headers })
          )
        })

      const documentFor = (
        id: ScheduleId,
        command: Record<string, unknown> & { readonly kind: JobKind },
        timing: ScheduleTiming,
        until: Date | null,
        createdAt: Date
      ): ScheduleDocument => ({
        v: 1,
        schedule_id: id,
        kind: command.kind,
        spec: natsSchedule(timing),
        time_zone: timing._tag === "Cron" ? timing.timeZone : null,
        until: until?.toISOString() ?? null,
        command,
        created_at: createdAt.toISOString()
      })

      const create = Effect.fn("ScheduleStore.create")(function*(request: ScheduleRequest) {
        const current = yield* now
        const { timing, until } = yield* Effect.fromResult(
          parseTiming(request.timing, current, Math.ceil(settings.minIntervalMillis / 1000))
        )
        const command = requestOf(yield* commands.make(request.command)) as Record<string, unknown> & { kind: JobKind }
        const existing = yield* readAll.pipe(Effect.mapError(unavailable))
        if (existing.length >= MAX_SCHEDULES) return yield* new TooManySchedules({ limit: MAX_SCHEDULES })
        const document = documentFor(newScheduleId(), command, timing, until, current)
        const ack = yield* publish(document, timing, until, 0).pipe(
          Effect.mapError((failure) =>
            failure.code === null ? unavailable(failure) : new InvalidSchedule({
              field: timing._tag === "Every" ? "every" : timing._tag === "At" ? "at" : "cron",
              reason: `the broker refused the schedule: ${failure.reason}`
            })
          )
        )
        yield* Effect.logInfo(`schedule ${document.schedule_id} created: ${document.kind} ${describeTiming(timing)} (seq ${ack.seq})`)
        return viewOf(document, current, current)
      })

      const list = Effect.gen(function*() {
        const current = yield* now
        const found = yield* readAll.pipe(Effect.mapError(unavailable))
        return found
          .map(({ document, msg }) => viewOf(document, msg.time, current))
          .sort((a, b) => a.created_at.localeCompare(b.created_at) || a.schedule_id.localeCompare(b.schedule_id))
      })

      const get = Effect.fn("ScheduleStore.get")(function*(id: ScheduleId) {
        const stored = yield* readStored(id).pipe(Effect.mapError(unavailable))
        if (Option.isNone(stored)) return yield* new ScheduleNotFound({ scheduleId: id })
        return viewOf(stored.value.document, stored.value.msg.time, yield* now)
      })

      // Purging the subject is what stops the server's timer; the last firing goes with it.
      const purge = (id: string) =>
        Effect.all([
          jetStreamCall("schedule delete", () => nats.jsm.streams.purge(stream, { filter: scheduleSubject(id) })),
          jetStreamCall("schedule delete", () => nats.jsm.streams.purge(stream, { filter: fireSubject(id) }))
        ], { concurrency: 2 })

      const remove = Effect.fn("ScheduleStore.remove")(function*(id: ScheduleId) {
        const stored = yield* readStored(id).pipe(Effect.mapError(unavailable))
        if (Option.isNone(stored)) return yield* new ScheduleNotFound({ scheduleId: id })
        yield* purge(id).pipe(Effect.mapError(unavailable))
        yield* Effect.logInfo(`schedule ${id} deleted`)
      })

      const reconcileOne = (wanted: DefaultSchedule) =>
        Effect.gen(function*() {
          const stored = yield* readStored(wanted.scheduleId)
          if (wanted.cron === null) {
            if (Option.isNone(stored)) return "unchanged" as const
            yield* purge(wanted.scheduleId)
            return "removed" as const
          }
          const current = yield* now
          const command = yield* commands.make(wanted.command).pipe(
            Effect.map((made) => requestOf(made) as Record<string, unknown> & { kind: JobKind }),
            Effect.orDie
          )
          const timing: ScheduleTiming = { _tag: "Cron", expression: wanted.cron, timeZone: null }
          if (
            Option.isSome(stored) && stored.value.document.spec === wanted.cron &&
            JSON.stringify(stored.value.document.command) === JSON.stringify(command)
          ) {
            return "unchanged" as const
          }
          const document = documentFor(wanted.scheduleId, command, timing, null, current)
          const expected = Option.isSome(stored) ? stored.value.msg.seq : 0
          const outcome = yield* publish(document, timing, null, expected).pipe(
            Effect.as(Option.isSome(stored) ? "replaced" as const : "created" as const),
            Effect.catchIf(isWrongLastSequence, () => Effect.succeed("unchanged" as const))
          )
          return outcome
        })

      const reconcileDefaults = Effect.fn("ScheduleStore.reconcileDefaults")(
        function*(defaults: ReadonlyArray<DefaultSchedule>) {
          const outcomes: Array<{ scheduleId: string; action: DefaultAction }> = []
          for (const wanted of defaults) {
            const action = yield* reconcileOne(wanted).pipe(Effect.mapError(unavailable))
            outcomes.push({ scheduleId: wanted.scheduleId, action })
          }
          return outcomes
        }
      )

      return ScheduleStore.of({ create, list, get, remove, reconcileDefaults })
    })
  )
}
