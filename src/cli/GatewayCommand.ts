import { Effect } from "effect"
import { Command } from "effect/cli"
import { checkConfig } from "../config/ConfigCheck.ts"
import { GatewayLive } from "../layers.ts"
import { gatewaySettings } from "./CommandSettings.ts"
import { runService } from "./ServiceRunner.ts"

/**
 * `liverc-ingest gateway`: the HTTP API until SIGTERM. On the signal it stops accepting
 * connections, lets requests in flight finish (GATEWAY_SHUTDOWN_GRACE), closes NATS and Postgres
 * and exits 0 (runService's graceful shutdown).
 */
export const gatewayCommand = Command.make("gateway", {}, () =>
  checkConfig(...gatewaySettings).pipe(
    Effect.andThen(runService(GatewayLive()))
  )).pipe(
  Command.withDescription(
    "Serve the HTTP API (GATEWAY_HOST:GATEWAY_PORT, OpenAPI at /docs) over the INGEST queue (NATS_URL) and Postgres (DATABASE_URL) until SIGTERM"
  )
)
