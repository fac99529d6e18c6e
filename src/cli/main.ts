import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Console, Effect } from "effect"
import { Command } from "effect/cli"

const hello = Command.make("hello", {}, () => Console.log("hi"))

Command.make("liverc-ingest").pipe(
  Command.withDescription("Ingest LiveRC results into Postgres"),
  Command.withSubcommands([hello]),
  Command.run({ version: "0.1.0" }),
  Effect.provide(NodeServices.layer),
  NodeRuntime.runMain
)
