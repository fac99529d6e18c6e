import { CLI_DESCRIPTION, CLI_NAME, CLI_VERSION, type CommandEntry } from "./CommandTable.ts"

/**
 * `liverc-ingest --help` and `--version` without effect: the text effect/cli's default formatter
 * prints for the whole command tree (same sections, alignment and colours), from the command table
 * alone, so the answer costs a Node start and nothing more. A unit test compares it with
 * effect/cli's own rendering, colours on and off.
 */

/** effect/cli's built-in global flags, as its help lists them. */
const GLOBAL_FLAGS: ReadonlyArray<{ readonly names: ReadonlyArray<string>; readonly type?: string; readonly description: string }> = [
  { names: ["--help", "-h"], description: "Show help information" },
  { names: ["--version", "-v"], description: "Show version information" },
  { names: ["--wizard"], description: "Start wizard mode for a command" },
  {
    names: ["--completions"],
    type: "<bash|zsh|fish|powershell|sh|pwsh>",
    description: "Print shell completion script (choices: bash, zsh, fish, powershell, sh, pwsh)"
  },
  {
    names: ["--log-level"],
    type: "<all|trace|debug|info|warn|warning|error|fatal|none>",
    description: "Sets the minimum log level (choices: all, trace, debug, info, warn, warning, error, fatal, none)"
  }
]

/** effect/cli's TerminalCapabilities: colour on a terminal, unless TERM=dumb or NO_COLOR; FORCE_COLOR forces it. */
export const canColor = (env: NodeJS.ProcessEnv, stdoutIsTerminal: boolean): boolean => {
  if (env["TERM"] === "dumb") return false
  const present = (value: string | undefined) => value !== undefined && value.length > 0
  const forced = present(env["FORCE_COLOR"]) && env["FORCE_COLOR"] !== "0" && env["FORCE_COLOR"]!.toLowerCase() !== "false"
  return !present(env["NO_COLOR"]) && (forced || stdoutIsTerminal)
}

const style = (colors: boolean, code: number) => (text: string) => (colors ? `\x1b[${code}m${text}\x1b[0m` : text)

// The names, flags and descriptions here are ASCII, so a string's length is its width on screen.
const visibleWidth = (text: string) => text.replace(/\x1b\[[0-9;]*m/g, "").length

/** effect/cli's two-column table: the left column as wide as its widest cell + 4, capped. */
const table = (rows: ReadonlyArray<readonly [string, string]>, widthCap?: number) => {
  const widest = Math.max(...rows.map(([left]) => visibleWidth(left))) + 4
  const column = widthCap === undefined ? widest : Math.min(widest, widthCap)
  return rows.map(([left, right]) => {
    const width = Math.max(column, visibleWidth(left) + 1)
    return `  ${left}${" ".repeat(width - visibleWidth(left))}${right}`
  })
}

export const topLevelHelp = (commands: ReadonlyArray<CommandEntry>, colors: boolean): string => {
  const bold = style(colors, 1)
  const dim = style(colors, 2)
  const cyan = style(colors, 36)
  const green = style(colors, 32)
  return [
    bold("DESCRIPTION"),
    `  ${CLI_DESCRIPTION}`,
    "",
    bold("USAGE"),
    `  ${cyan(`${CLI_NAME} <subcommand> [flags]`)}`,
    "",
    bold("GLOBAL FLAGS"),
    ...table(GLOBAL_FLAGS.map((flag) => [
      flag.names.map(green).join(", ") + (flag.type === undefined ? "" : ` ${dim(flag.type)}`),
      flag.description
    ])),
    "",
    bold("SUBCOMMANDS"),
    ...table(commands.map((entry) => [cyan(entry.name), entry.description]), 20)
  ].join("\n")
}

export const versionLine = (colors: boolean): string => {
  const bold = style(colors, 1)
  return `${bold(CLI_NAME)} ${style(colors, 2)("v")}${bold(CLI_VERSION)}`
}
