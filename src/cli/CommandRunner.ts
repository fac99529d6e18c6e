import * as NodeRuntime from "@effect/platform-node/NodeRuntime"
import * as NodeServices from "@effect/platform-node/NodeServices"
import { Effect } from "effect"
import { Command } from "effect/cli"
import { LoggingLive } from "../observability/Logging.ts"
import { withUsageExitCode } from "../terminal/ExitCodes.ts"
import { CLI_DESCRIPTION, CLI_NAME, CLI_VERSION, type CommandEntry } from "./CommandTable.ts"

/**
 * The effect/cli side of `liverc-ingest`: the root command over the commands a line may name,
 * run on Node's runtime. The platform's modules are imported one by one: its index also loads its
 * Redis, HTTP and worker integrations, none of which a command here uses.
 */

/** The root command over `entries`, each loaded; long-running ones log JSON lines (LoggingLive). */
export const rootCommand = async (entries: ReadonlyArray<CommandEntry>) => {
  const commands = await Promise.all(entries.map(async (entry) => {
    const command = await entry.load()
    return entry.logs === true ? command.pipe(Command.provide(LoggingLive)) : command
  }))
  return Command.make(CLI_NAME).pipe(
    Command.withDescription(CLI_DESCRIPTION),
    Command.withSubcommands(commands)
  )
}

export const runCommands = async (entries: ReadonlyArray<CommandEntry>): Promise<void> => {
  const root = await rootCommand(entries)
  root.pipe(
    Command.run({ version: CLI_VERSION }),
    withUsageExitCode,
    Effect.provide(NodeServices.layer),
    NodeRuntime.runMain
  )
}
