import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Effect } from "effect"
import { Command } from "effect/cli"
import { parseCommand } from "./ParseCommand.ts"
import { showCommand } from "./ShowCommand.ts"
import { simCommand } from "./SimCommand.ts"
import { workerCommand } from "./WorkerCommand.ts"

Command.make("liverc-ingest").pipe(
  Command.withDescription("Ingest LiveRC results into Postgres"),
  Command.withSubcommands([parseCommand, showCommand, simCommand, workerCommand]),
  Command.run({ version: "0.1.0" }),
  Effect.provide(NodeServices.layer),
  NodeRuntime.runMain
)
