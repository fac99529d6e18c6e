import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { join } from "node:path"

/**
 * Runs `bin/liverc-ingest.js` as shipped, as a separate process: with pipes (what a script
 * sees) or inside a pseudo-terminal through util-linux `script` (what a person sees).
 */

const bin = join(import.meta.dirname, "..", "..", "bin", "liverc-ingest.js")

export interface CliRun {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

export interface RunningCli {
  readonly child: ChildProcess
  /** Everything printed on stdout so far. */
  readonly stdout: () => string
  readonly done: Promise<CliRun>
}

/** Only what is given: the caller's shell environment (NATS_URL, INGEST_*) must not leak in. */
const baseEnv = (): Record<string, string> => {
  const keep = ["PATH", "HOME", "LANG", "TMPDIR"]
  return Object.fromEntries(keep.flatMap((key) => (process.env[key] === undefined ? [] : [[key, process.env[key]!]])))
}

export const startCli = (args: ReadonlyArray<string>, env: Record<string, string>): RunningCli => {
  const child = spawn(process.execPath, [bin, ...args], { env: { ...baseEnv(), ...env }, stdio: ["ignore", "pipe", "pipe"] })
  let stdout = ""
  let stderr = ""
  child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")))
  child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
  const done = new Promise<CliRun>((resolve) => child.once("close", (code) => resolve({ code, stdout, stderr })))
  return { child, stdout: () => stdout, done }
}

export const runCli = (args: ReadonlyArray<string>, env: Record<string, string>): Promise<CliRun> =>
  startCli(args, env).done

/** One JSON document per line, as the CLI prints when stdout is not a terminal. */
export const jsonLines = <A = any>(stdout: string): Array<A> =>
  stdout.split("\n").filter((line) => line.trim() !== "").map((line) => JSON.parse(line) as A)

export const hasScript = (): boolean => spawnSync("script", ["--version"]).status === 0

const shellQuote = (word: string) => `'${word.replaceAll("'", `'\\''`)}'`

/**
 * Runs the CLI with a pseudo-terminal as stdin/stdout/stderr (`script -qfec`): stdout.isTTY is
 * true inside, and everything it wrote, control characters included, comes back as `stdout`.
 */
export const runCliInTerminal = (args: ReadonlyArray<string>, env: Record<string, string>): Promise<CliRun> =>
  new Promise((resolve) => {
    const command = [process.execPath, bin, ...args].map(shellQuote).join(" ")
    const child = spawn("script", ["-qfec", command, "/dev/null"], {
      env: { ...baseEnv(), ...env, COLUMNS: "100", TERM: "xterm" },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout?.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")))
    child.stderr?.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
    child.once("close", (code) => resolve({ code, stdout, stderr }))
  })
