import { Effect } from "effect"
import { Command } from "effect/cli"
import { workerSettingsConfigFields } from "../actors/WorkerSettings.ts"
import { databaseConfig } from "../db/Database.ts"
import { gatewayConfigFields } from "../http/GatewayConfig.ts"
import { GatewayAndWorkerLive } from "../layers.ts"
import { metricsServerConfigFields } from "../observability/MetricsServer.ts"
import { PipelineHandlers } from "../pipeline/PipelineHandlers.ts"
import { NatsConfig } from "../streams/NatsClient.ts"
import { topologyConfigFields } from "../streams/Topology.ts"
import { checkConfig } from "./ConfigCheck.ts"
import { runWorker } from "./WorkerCommand.ts"

/**
 * `liverc-ingest start` (`npm start`): everything a single-machine deployment runs, the gateway
 * and a worker on one NATS connection, until SIGTERM (then as `worker`: graceful, exit 0).
 */
export const startCommand = Command.make("start", {}, () =>
  checkConfig({
    ...topologyConfigFields,
    ...gatewayConfigFields,
    ...workerSettingsConfigFields,
    ...metricsServerConfigFields,
    nats: NatsConfig,
    database: databaseConfig
  }).pipe(Effect.andThen(runWorker(GatewayAndWorkerLive(PipelineHandlers))))).pipe(
  Command.withDescription(
    "Run the gateway (GATEWAY_HOST:GATEWAY_PORT) and a worker in one process on one NATS connection (NATS_URL), " +
      "against LiveRC and Postgres (DATABASE_URL), until SIGTERM"
  )
)
