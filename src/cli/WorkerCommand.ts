import { Effect } from "effect"
import { Command } from "effect/cli"
import { checkConfig } from "../config/ConfigCheck.ts"
import { WorkerLive } from "../layers.ts"
import { PipelineHandlers } from "../pipeline/PipelineHandlers.ts"
import { workerSettings } from "./CommandSettings.ts"
import { runService } from "./ServiceRunner.ts"

/** `liverc-ingest worker`: actors pulling ingest jobs until told to stop. */
export const workerCommand = Command.make("worker", {}, () =>
  checkConfig(...workerSettings).pipe(
    Effect.andThen(runService(WorkerLive(PipelineHandlers)))
  )).pipe(
  Command.withDescription(
    "Run WORKER_CONCURRENCY job actors on the INGEST queue (NATS_URL) until SIGTERM; in-flight jobs get SHUTDOWN_GRACE to finish"
  )
)
