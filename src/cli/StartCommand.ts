import { Effect } from "effect"
import { Command } from "effect/cli"
import { checkConfig } from "../config/ConfigCheck.ts"
import { GatewayAndWorkerLive } from "../layers.ts"
import { PipelineHandlers } from "../pipeline/PipelineHandlers.ts"
import { startSettings } from "./CommandSettings.ts"
import { runService } from "./ServiceRunner.ts"

/**
 * `liverc-ingest start` (`npm start`): everything a single-machine deployment runs, the gateway
 * and a worker on one NATS connection, until SIGTERM (then as `worker`: graceful, exit 0).
 */
export const startCommand = Command.make("start", {}, () =>
  checkConfig(...startSettings).pipe(Effect.andThen(runService(GatewayAndWorkerLive(PipelineHandlers))))).pipe(
  Command.withDescription(
    "Run the gateway (GATEWAY_HOST:GATEWAY_PORT) and a worker in one process on one NATS connection (NATS_URL), " +
      "against LiveRC and Postgres (DATABASE_URL), until SIGTERM"
  )
)
