import { spawn, spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"

/**
 * What `liverc-ingest` loads when it starts (issue 17: every command was imported at start, 0.9 s
 * before anything happened): `--help` is answered without effect or any command module, a command
 * line loads that command only, Node's compile cache lives in the user's cache folder, and a
 * long-running command restarts itself once (same pid) with a small young generation.
 */

const root = join(import.meta.dirname, "..", "..")
const bin = join(root, "bin", "liverc-ingest.js")
const cacheHome = mkdtempSync(join(tmpdir(), "lri-cli-cache-"))
afterAll(() => rmSync(cacheHome, { recursive: true, force: true }))

/** Records every module the process loads and prints the list on stderr as it exits. */
const loadProbe = `
import { registerHooks } from "node:module"
const loaded = []
registerHooks({ load(url, context, next) { loaded.push(url); return next(url, context) } })
process.on("exit", () => process.stderr.write("loaded " + JSON.stringify(loaded) + "\\n"))
`

const env = () => ({ PATH: process.env["PATH"] ?? "", HOME: process.env["HOME"] ?? "", XDG_CACHE_HOME: cacheHome })

const runWithProbe = (...args: ReadonlyArray<string>) => {
  const run = spawnSync(
    process.execPath,
    [`--import=data:text/javascript,${encodeURIComponent(loadProbe)}`, bin, ...args],
    { cwd: root, env: env(), encoding: "utf8", timeout: 60_000 }
  )
  const line = run.stderr.split("\n").find((l) => l.startsWith("loaded "))
  const loaded: ReadonlyArray<string> = line === undefined ? [] : JSON.parse(line.slice("loaded ".length))
  return { status: run.status, stdout: run.stdout, stderr: run.stderr, loaded }
}

const fromSource = (loaded: ReadonlyArray<string>) =>
  loaded.filter((url) => url.startsWith("file://") && url.includes("/src/")).map((url) => url.slice(url.indexOf("/src/") + 1))

describe("liverc-ingest at start", () => {
  it("prints the top-level help without loading effect or any command", () => {
    const run = runWithProbe("--help")
    expect(run.status).toBe(0)
    expect(run.stdout).toMatch(/^DESCRIPTION\n {2}Ingest LiveRC results into Postgres\n\nUSAGE\n {2}liverc-ingest <subcommand> \[flags\]/)
    expect(run.stdout).toMatch(/^ {2}status +Print a job's status document as JSON$/m)
    expect(run.loaded.length).toBeGreaterThan(0)
    expect(run.loaded.filter((url) => url.includes("/node_modules/"))).toEqual([])
    expect(fromSource(run.loaded).sort()).toEqual(["src/cli/CommandTable.ts", "src/cli/ServiceHeap.ts", "src/cli/TopLevelHelp.ts", "src/cli/main.ts"])
  })

  it("loads the command it runs and none of the others, nor the services of the gateway and the worker", () => {
    const run = runWithProbe("status", "--help")
    expect(run.status).toBe(0)
    expect(run.stdout).toContain("liverc-ingest status [flags] <job-id>")
    const modules = fromSource(run.loaded)
    expect(modules).toContain("src/cli/StatusCommand.ts")
    const commands = modules.filter((path) => /^src\/cli\/\w+Command\.ts$/.test(path))
    expect(commands).toEqual(["src/cli/StatusCommand.ts"])
    for (const heavy of ["src/layers.ts", "src/http/GatewayServer.ts", "src/pipeline/PipelineHandlers.ts", "src/liverc/ParsePage.ts", "src/sim/SimServer.ts"]) {
      expect(modules, heavy).not.toContain(heavy)
    }
    // The platform's index would load its Redis integration (about 650 modules) for nothing.
    expect(run.loaded.filter((url) => url.includes("/node_modules/redis/") || url.includes("/node_modules/@redis/"))).toEqual([])
  })

  it("answers a misspelt command as effect/cli does: the help, the error, exit 3", () => {
    const run = runWithProbe("stauts")
    expect(run.status).toBe(3)
    expect(run.stdout).toContain("SUBCOMMANDS")
    expect(run.stderr).toContain(`Unknown subcommand "stauts" for "liverc-ingest"`)
  })

  it("keeps Node's compile cache in the user's cache folder, not in the checkout", () => {
    const run = runWithProbe("--version")
    expect(run.status).toBe(0)
    expect(run.stdout).toBe("liverc-ingest v0.1.0\n")
    const cache = join(cacheHome, "liverc-ingest", "node-compile-cache")
    expect(existsSync(cache)).toBe(true)
    // One folder per Node version, holding an entry per compiled module.
    const [version] = readdirSync(cache)
    expect(readdirSync(join(cache, version!)).length).toBeGreaterThan(0)
    expect(readdirSync(root).filter((name) => name.includes("compile-cache"))).toEqual([])
  })

  it.skipIf(process.platform !== "linux")(
    "runs a long-running command in the same process, restarted once with a small young generation",
    { timeout: 60_000 },
    async () => {
      const child = spawn(process.execPath, [bin, "sim", "--port", "0"], { cwd: root, env: env(), stdio: ["ignore", "pipe", "pipe"] })
      let stdout = ""
      child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")))
      const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
      try {
        const deadline = Date.now() + 30_000
        while (!stdout.includes("LIVERC_ROOT_URL=")) {
          if (Date.now() > deadline) throw new Error(`the simulator did not start: ${stdout}`)
          await new Promise((resolve) => setTimeout(resolve, 50))
        }
        const commandLine = readFileSync(`/proc/${child.pid}/cmdline`, "utf8").split("\0").slice(0, -1)
        expect(commandLine.slice(1)).toEqual(["--max-semi-space-size=8", bin, "sim", "--port", "0"])
        const url = /LIVERC_ROOT_URL=(\S+)/.exec(stdout)![1]!
        expect((await fetch(`${url}/__sim/health`)).status).toBe(200)
      } finally {
        child.kill("SIGTERM")
        await exited
      }
    }
  )
})
