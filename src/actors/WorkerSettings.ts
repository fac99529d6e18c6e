import { Config, Context, Effect, Layer, Schema } from "effect"
import { millisConfig } from "../config/DurationConfig.ts"
import { notBelow } from "../config/IntConfig.ts"

/** How one worker process runs its actors (the cluster-wide cap is the topology's). */
export interface WorkerSettingsShape {
  /** Actor fibers in this process, each running one job at a time. */
  readonly concurrency: number
  /** On SIGTERM, how long in-flight jobs may run on before they are interrupted and handed back. */
  readonly shutdownGraceMillis: number
  /** First retry delay; doubles per delivery. */
  readonly retryBaseMillis: number
  readonly retryMaxMillis: number
}

export const defaultWorkerSettings: WorkerSettingsShape = {
  concurrency: 4,
  shutdownGraceMillis: 30_000,
  retryBaseMillis: 2000,
  retryMaxMillis: 300_000
}

const INGEST_RETRY_BASE = millisConfig("INGEST_RETRY_BASE", 10, 3_600_000, defaultWorkerSettings.retryBaseMillis)

export const workerSettingsConfigFields = {
  concurrency: Config.schema(Schema.Int.check(Schema.isBetween({ minimum: 1, maximum: 500 })), "WORKER_CONCURRENCY")
    .pipe(Config.withDefault(defaultWorkerSettings.concurrency)),
  shutdownGraceMillis: millisConfig("SHUTDOWN_GRACE", 0, 3_600_000, defaultWorkerSettings.shutdownGraceMillis),
  retryBaseMillis: INGEST_RETRY_BASE,
  retryMaxMillis: notBelow(
    INGEST_RETRY_BASE,
    defaultWorkerSettings.retryBaseMillis,
    (base) => millisConfig("INGEST_RETRY_MAX", base, 86_400_000, Math.max(base, defaultWorkerSettings.retryMaxMillis))
  )
}

export const WorkerSettingsConfig: Config.Config<WorkerSettingsShape> = Config.all(workerSettingsConfigFields)

/** Exponential backoff for the nak of a retryable failure after delivery `attempt` (1-based). */
export const retryDelayMillis = (settings: WorkerSettingsShape, attempt: number): number =>
  Math.min(settings.retryMaxMillis, settings.retryBaseMillis * 2 ** Math.max(0, attempt - 1))

export class WorkerSettings extends Context.Service<WorkerSettings, WorkerSettingsShape>()(
  "liverc-ingest/actors/WorkerSettings"
) {
  static readonly layer = Layer.effect(
    WorkerSettings,
    Effect.gen(function*() {
      return yield* WorkerSettingsConfig
    })
  )
  static readonly layerFrom = (settings: WorkerSettingsShape) => Layer.succeed(WorkerSettings, settings)
}
