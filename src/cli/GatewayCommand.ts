import { Effect } from "effect"
import { Command } from "effect/cli"
import { databaseConfig } from "../db/Database.ts"
import { gatewayConfigFields } from "../http/GatewayConfig.ts"
import { GatewayLive } from "../layers.ts"
import { NatsConfig } from "../streams/NatsClient.ts"
import { topologyConfigFields } from "../streams/Topology.ts"
import { checkConfig } from "./ConfigCheck.ts"
import { runWorker } from "./WorkerCommand.ts"

/**
 * `liverc-ingest gateway`: the HTTP API until SIGTERM. On the signal it stops accepting
 * connections, lets requests in flight finish (GATEWAY_SHUTDOWN_GRACE), closes NATS and Postgres
 * and exits 0 (runWorker's shutdown, which is not specific to workers).
 */
export const gatewayCommand = Command.make("gateway", {}, () =>
  checkConfig({ ...topologyConfigFields, ...gatewayConfigFields, nats: NatsConfig, database: databaseConfig }).pipe(
    Effect.andThen(runWorker(GatewayLive()))
  )).pipe(
  Command.withDescription(
    "Serve the HTTP API (GATEWAY_HOST:GATEWAY_PORT, OpenAPI at /docs) over the INGEST queue (NATS_URL) and Postgres (DATABASE_URL) until SIGTERM"
  )
)
