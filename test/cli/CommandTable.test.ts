import * as NodeServices from "@effect/platform-node/NodeServices"
import { Effect } from "effect"
import { CliOutput, Command } from "effect/cli"
import { describe, expect, it } from "vitest"
import { rootCommand } from "../../src/cli/CommandRunner.ts"
import { CLI_NAME, CLI_VERSION, commandTable, routeOf } from "../../src/cli/CommandTable.ts"
import { restartArguments, SEMI_SPACE_MB } from "../../src/cli/ServiceHeap.ts"
import { canColor, topLevelHelp, versionLine } from "../../src/cli/TopLevelHelp.ts"

/**
 * The command table (CommandTable.ts) stands in for effect/cli where loading every command would
 * cost: `--help` and `--version` are printed from it, and a command line loads only the command it
 * names. What it prints must be what effect/cli prints for the whole tree, and each entry must be
 * the command it names.
 */

/** What effect/cli presents for `args` over every command, formatted with or without colours. */
const presented = (args: ReadonlyArray<string>, colors: boolean) =>
  Effect.runPromise(Effect.gen(function*() {
    const root = yield* Effect.promise(() => rootCommand(commandTable))
    const formatter = CliOutput.defaultFormatter({ colors })
    const lines: Array<string> = []
    yield* Command.runWith(root, { version: CLI_VERSION })(args).pipe(
      Effect.provide(CliOutput.layerPresenter({
        present: (event) =>
          Effect.sync(() => {
            if (event._tag === "Help") lines.push(formatter.formatHelpDoc(event.helpDoc))
            if (event._tag === "Version") lines.push(formatter.formatVersion(event.name, event.version))
          })
      })),
      Effect.provide(NodeServices.layer)
    )
    return lines.join("\n")
  }))

describe("the command table", () => {
  it("prints the top-level help exactly as effect/cli renders the whole command tree, in colour and without", async () => {
    for (const colors of [false, true]) {
      expect(topLevelHelp(commandTable, colors), `colors ${colors}`).toBe(await presented(["--help"], colors))
    }
  })

  it("prints the version line exactly as effect/cli does", async () => {
    for (const colors of [false, true]) {
      expect(versionLine(colors)).toBe(await presented(["--version"], colors))
    }
  })

  it("loads, for each entry, the command of that name with that description", async () => {
    expect(new Set(commandTable.map((entry) => entry.name)).size).toBe(commandTable.length)
    for (const entry of commandTable) {
      const command = await entry.load()
      expect(command.name).toBe(entry.name)
      expect(command.description, entry.name).toBe(entry.description)
    }
  })

  it("answers help and version from the table, runs a named command alone, and anything else with every command", () => {
    for (const args of [[], ["--help"], ["-h"]]) expect(routeOf(args)).toEqual({ _tag: "Help" })
    for (const args of [["--version"], ["-v"]]) expect(routeOf(args)).toEqual({ _tag: "Version" })
    const status = commandTable.find((entry) => entry.name === "status")
    expect(routeOf(["status", "job-AAAAAAAAAAAAAAAA"])).toEqual({ _tag: "Run", commands: [status] })
    expect(routeOf(["status", "--help"])).toEqual({ _tag: "Run", commands: [status] })
    // A misspelt command, a global flag first, help asked twice: effect/cli answers, over every command.
    for (const args of [["stauts"], ["--log-level", "debug", "status", "x"], ["--completions", "bash"], ["-h", "-v"]]) {
      expect(routeOf(args), args.join(" ")).toEqual({ _tag: "Run", commands: commandTable })
    }
  })

  it("colours help as effect/cli's terminal detection does", () => {
    expect(canColor({}, true)).toBe(true)
    expect(canColor({}, false)).toBe(false)
    expect(canColor({ NO_COLOR: "1" }, true)).toBe(false)
    expect(canColor({ TERM: "dumb" }, true)).toBe(false)
    expect(canColor({ FORCE_COLOR: "1" }, false)).toBe(true)
    expect(canColor({ FORCE_COLOR: "0" }, false)).toBe(false)
    expect(canColor({ FORCE_COLOR: "false" }, false)).toBe(false)
  })

  it("names the program as the help does", () => {
    expect(topLevelHelp(commandTable, false)).toContain(`${CLI_NAME} <subcommand> [flags]`)
  })
})

describe("the young generation of long-running commands", () => {
  it("restarts with a capped semi-space, keeping node's own flags and the command line", () => {
    expect(restartArguments(["--import=probe.js"], ["/usr/bin/node", "/app/bin/liverc-ingest.js", "start"], undefined)).toEqual([
      `--max-semi-space-size=${SEMI_SPACE_MB}`,
      "--import=probe.js",
      "/app/bin/liverc-ingest.js",
      "start"
    ])
  })

  it("keeps a semi-space size the operator chose, in node's flags or NODE_OPTIONS", () => {
    const argv = ["/usr/bin/node", "/app/bin/liverc-ingest.js", "worker"]
    expect(restartArguments(["--max-semi-space-size=32"], argv, undefined)).toBeUndefined()
    expect(restartArguments([], argv, "--enable-source-maps --max-semi-space-size=2")).toBeUndefined()
    expect(restartArguments([], argv, "--max-old-space-size=256")).toBeDefined()
  })

  it("is asked for by the commands that serve until stopped, and only by them", () => {
    const longRunning = commandTable.filter((entry) => entry.longRunning === true).map((entry) => entry.name)
    expect(longRunning.sort()).toEqual(["demo", "gateway", "sim", "start", "worker"])
  })
})
