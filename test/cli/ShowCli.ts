import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Effect } from "effect"
import { Command } from "effect/cli"
import { parseCommand } from "../../src/cli/ParseCommand.ts"
import { showCommand } from "../../src/cli/ShowCommand.ts"

// The `liverc-ingest` entry point with `show` mounted, wired the way src/cli/main.ts wires its commands.
Command.make("liverc-ingest").pipe(
  Command.withSubcommands([parseCommand, showCommand]),
  Command.run({ version: "0.0.0-test" }),
  Effect.provide(NodeServices.layer),
  NodeRuntime.runMain
)
