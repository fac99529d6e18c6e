import type { JsMsg } from "@nats-io/jetstream"
import { Clock, Context, Effect, Layer, Result } from "effect"
import { createHash } from "node:crypto"
import { Counter } from "prom-client"
import { jetStreamCall } from "../broker/JetStreamFailure.ts"
import type { JobId } from "../jobs/Commands.ts"
import { type CommandRequest, JobCommands } from "../jobs/JobCommands.ts"
import { registry } from "../observability/Metrics.ts"
import { supervisedLoop } from "../observability/Supervision.ts"
import { IngestStreams } from "./IngestStreams.ts"
import { JobQueue } from "./JobQueue.ts"
import { decodeScheduleJson, UNTIL_HEADER } from "./ScheduleStore.ts"

/**
 * Turns each firing of a schedule into a job. The server fires a schedule onto
 * `schedules.fire.<id>`; this durable consumer (any one worker of the cluster takes each firing)
 * enqueues the schedule's command through the queue's usual path, so a firing while the
 * schedule's previous job is still queued or running dedupes to that job instead of piling up.
 * The job id is derived from the firing's stream sequence: a firing redelivered after a crash
 * makes the same job id, which the work stream's duplicate window drops.
 */

export type FireOutcome = "enqueued" | "deduplicated" | "expired" | "invalid" | "deferred"

const fires = new Counter({
  name: "liverc_schedule_fires_total",
  help: "Schedule firings the relay handled, by command kind and outcome " +
    "(enqueued, deduplicated to a live job, expired past until, invalid, deferred while the queue was full or away)",
  labelNames: ["kind", "outcome"] as const,
  registers: [registry]
})

/** Retried after this while the queue is full or unavailable. */
const DEFER_MILLIS = 5_000
/** How long one pull waits for a firing before asking again. */
const PULL_EXPIRES_MILLIS = 5_000

export const firingJobId = (scheduleId: string, fireSeq: number): JobId =>
  `job-${createHash("sha256").update(`${scheduleId}:${fireSeq}`).digest("base64url").slice(0, 16)}` as JobId

export class ScheduleRelay extends Context.Service<ScheduleRelay, {
  /** Handles one firing and settles it (ack, or nak to retry later). */
  readonly relay: (msg: JsMsg) => Effect.Effect<FireOutcome>
}>()("liverc-ingest/queue/ScheduleRelay") {
  static readonly layer = Layer.effect(
    ScheduleRelay,
    Effect.gen(function*() {
      const queue = yield* JobQueue
      const commands = yield* JobCommands

      const settle = (msg: JsMsg, kind: string, outcome: FireOutcome, note: string) =>
        Effect.gen(function*() {
          if (outcome === "deferred") msg.nak(DEFER_MILLIS)
          else msg.ack()
          fires.inc({ kind, outcome })
          const line = `schedule firing ${msg.subject} (seq ${msg.seq}): ${outcome}${note === "" ? "" : `: ${note}`}`
          yield* outcome === "invalid" || outcome === "deferred" ? Effect.logWarning(line) : Effect.logInfo(line)
          return outcome
        })

      const relay = Effect.fn("ScheduleRelay.relay")(function*(msg: JsMsg) {
        const decoded = decodeScheduleJson(msg.string())
        if (Result.isFailure(decoded)) return yield* settle(msg, "unknown", "invalid", "not a schedule document")
        const document = decoded.success
        const now = yield* Clock.currentTimeMillis
        const until = msg.headers?.get(UNTIL_HEADER) || document.until
        if (until !== null && until !== "" && Date.parse(until) <= now) {
          return yield* settle(msg, document.kind, "expired", `past until ${until}`)
        }
        const made = yield* commands.make(
          document.command as unknown as CommandRequest,
          firingJobId(document.schedule_id, msg.seq)
        ).pipe(Effect.result)
        if (Result.isFailure(made)) return yield* settle(msg, document.kind, "invalid", made.failure.message)
        const enqueued = yield* queue.enqueue(made.success).pipe(Effect.result)
        if (Result.isFailure(enqueued)) return yield* settle(msg, document.kind, "deferred", enqueued.failure.message)
        const { deduplicated, job } = enqueued.success
        return yield* settle(
          msg,
          document.kind,
          deduplicated ? "deduplicated" : "enqueued",
          `schedule ${document.schedule_id} -> job ${job.job_id}`
        )
      })

      return ScheduleRelay.of({ relay })
    })
  )

  /** The relay loop of a worker process, for as long as the process runs. */
  static readonly run = Layer.effectDiscard(
    Effect.gen(function*() {
      const { nats, topology } = yield* IngestStreams
      const { relay } = yield* ScheduleRelay
      const pull = Effect.gen(function*() {
        const consumer = yield* jetStreamCall(
          "schedule relay consumer",
          () => nats.js.consumers.get(topology.schedules.name, topology.scheduleRelay.durable_name)
        )
        while (true) {
          const msg = yield* jetStreamCall("schedule relay pull", () => consumer.next({ expires: PULL_EXPIRES_MILLIS }))
          if (msg !== null) yield* relay(msg)
        }
      })
      yield* Effect.forkScoped(supervisedLoop("schedule-relay", pull, "2 seconds"))
    })
  )
}
