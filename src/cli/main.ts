import { commandTable, routeOf } from "./CommandTable.ts"
import { runWithServiceHeap } from "./ServiceHeap.ts"
import { canColor, topLevelHelp, versionLine } from "./TopLevelHelp.ts"

/**
 * `liverc-ingest`: the top-level help and the version straight from the command table; any other
 * line through effect/cli with the one command it names (CommandTable.ts). Operators run the CLI
 * many times a minute, and loading every command at start made each run pay for all of them.
 */
const route = routeOf(process.argv.slice(2))
const colors = () => canColor(process.env, process.stdout.isTTY === true)
switch (route._tag) {
  case "Help":
    process.stdout.write(`${topLevelHelp(commandTable, colors())}\n`)
    break
  case "Version":
    process.stdout.write(`${versionLine(colors())}\n`)
    break
  case "Run": {
    if (route.commands.length === 1 && route.commands[0]!.longRunning === true) runWithServiceHeap()
    const { runCommands } = await import("./CommandRunner.ts")
    await runCommands(route.commands)
    break
  }
}
