import { Effect, Layer } from "effect"
import { Command, Flag } from "effect/cli"
import { workerSettingsConfigFields } from "../actors/WorkerSettings.ts"
import { natsConfigFields } from "../broker/NatsClient.ts"
import { checkConfig } from "../config/ConfigCheck.ts"
import { databaseConfig } from "../db/Database.ts"
import { demoServices } from "../demo/Demo.ts"
import { gatewayConfigFields } from "../http/GatewayConfig.ts"
import { topologyConfigFields } from "../queue/Topology.ts"
import { writeOut } from "../terminal/Terminal.ts"
import { runService } from "./ServiceRunner.ts"

/**
 * `liverc-ingest demo [--once]` (`npm run demo`): the one-command tour, see src/demo/Demo.ts.
 * Served until Ctrl-C (a clean stop, exit 0, as for the worker); --once stops after the summary.
 */
export const demoCommand = Command.make(
  "demo",
  {
    once: Flag.Boolean("once").pipe(
      Flag.withDescription("Stop after the summary and exit 0 (non-interactive runs, CI)"),
      Flag.withDefault(false)
    )
  },
  ({ once }) =>
    checkConfig(topologyConfigFields, gatewayConfigFields, workerSettingsConfigFields, natsConfigFields, {
      database: databaseConfig
    }).pipe(Effect.andThen(
      once
        ? Effect.scoped(demoServices(false))
        : runService(Layer.effectDiscard(demoServices(true).pipe(Effect.andThen(writeOut("\nServing until Ctrl-C.\n")))))
    ))
).pipe(
  Command.withDescription(
    "Run everything locally (NATS_URL or a local nats-server, DATABASE_URL or an embedded PostgreSQL, the LiveRC " +
      "simulator, a worker and the gateway), ingest sample event 486677 with a progress bar, print a summary, " +
      "and serve until Ctrl-C"
  )
)
