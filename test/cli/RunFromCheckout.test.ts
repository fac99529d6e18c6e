import { spawnSync } from "node:child_process"
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { delimiter, join } from "node:path"
import { afterAll, describe, expect, it } from "vitest"

/**
 * How README.md and docs/operations.md say to run the CLI from a checkout, `npm run -s cli --
 * <command>`, run as a user's shell would: the machine's own npm and Node first on PATH (on Debian,
 * Node 20, older than the CLI needs), a fresh npm cache, none of the test runner's npm settings.
 * `npx liverc-ingest` in that setting prints npm's EBADENGINE warning twice (npx links the checkout
 * into its cache); this form prints the command's output and nothing of npm's.
 */

const root = join(import.meta.dirname, "..", "..")

const versionOf = (node: string): Array<number> | undefined => {
  const answer = spawnSync(node, ["-p", "process.versions.node"], { encoding: "utf8" })
  return answer.status === 0 ? answer.stdout.trim().split(".").map(Number) : undefined
}

const tooOldForTheCli = ([major = 0, minor = 0]: Array<number>) => major < 22 || (major === 22 && minor < 19)

/** The PATH folders holding both node and npm, the repo's own node_modules left out. */
const machineNodes = [
  ...new Set([...(process.env["PATH"] ?? "").split(delimiter), "/usr/local/bin", "/usr/bin"])
].filter((dir) => dir !== "" && !dir.startsWith(join(root, "node_modules")))
  .filter((dir) => existsSync(join(dir, "node")) && existsSync(join(dir, "npm")))
  .flatMap((dir) => {
    const version = versionOf(join(dir, "node"))
    return version === undefined ? [] : [{ dir, version }]
  })

/** An old system Node when the machine has one (what a user of Debian's packages has), else the first. */
const machine = machineNodes.find(({ version }) => tooOldForTheCli(version)) ?? machineNodes[0]

const cache = mkdtempSync(join(tmpdir(), "lri-npm-cache-"))
afterAll(() => rmSync(cache, { recursive: true, force: true }))

const userEnv = (): NodeJS.ProcessEnv => {
  const env: NodeJS.ProcessEnv = {}
  for (const [name, value] of Object.entries(process.env)) {
    // What `npm test` exported for its own run, and what points at another Node, is not the user's.
    if (!/^npm_/i.test(name) && name !== "NODE_OPTIONS" && name !== "INIT_CWD") env[name] = value
  }
  env["PATH"] = [machine?.dir ?? "/usr/bin", "/usr/bin", "/bin"].join(delimiter)
  env["npm_config_cache"] = cache
  // No NATS answers here: a command that needs it fails fast with its own exit code.
  env["NATS_URL"] = "nats://127.0.0.1:1"
  env["NATS_CONNECT_TIMEOUT"] = "1s"
  return env
}

const npmRunCli = (...args: ReadonlyArray<string>) =>
  spawnSync(join(machine?.dir ?? "/usr/bin", "npm"), ["run", "-s", "cli", "--", ...args], {
    cwd: root,
    env: userEnv(),
    encoding: "utf8",
    timeout: 60_000
  })

describe("the CLI from a checkout: npm run -s cli -- <command>", () => {
  it("finds a machine npm and Node to run it with", () => {
    expect(machine, "no node and npm outside the checkout on PATH").toBeDefined()
  })

  it("prints the command's output and nothing of npm's, with the machine's Node first on PATH", () => {
    const answer = npmRunCli("--help")
    const context = `node ${machine?.version.join(".")} in ${machine?.dir}:\n${answer.stderr}`
    expect(answer.status, context).toBe(0)
    expect(answer.stderr, context).toBe("")
    expect(answer.stdout).toMatch(/^USAGE\n {2}liverc-ingest <subcommand>/m)
    expect(answer.stdout).not.toContain("> liverc-ingest@")
  })

  it("exits with the command's own exit code: 3 for a bad invocation, 4 when NATS does not answer", () => {
    const missing = npmRunCli("status")
    expect(missing.status).toBe(3)
    expect(missing.stderr).toContain("Missing required argument: job-id")
    expect(missing.stderr).not.toMatch(/^npm /m)

    const unreachable = npmRunCli("status", "job-AAAAAAAAAAAAAAAA")
    expect(unreachable.status).toBe(4)
    expect(unreachable.stderr).toContain("NATS at nats://127.0.0.1:1 did not answer")
    expect(unreachable.stderr).not.toMatch(/^npm /m)
  })

  it.skipIf(machine === undefined || !tooOldForTheCli(machine.version))(
    "run straight by a Node older than 22.19, names that form instead",
    () => {
      const answer = spawnSync(join(machine!.dir, "node"), [join(root, "bin", "liverc-ingest.js"), "--help"], { encoding: "utf8" })
      expect(answer.status).toBe(1)
      expect(answer.stderr).toContain("needs Node >= 22.19")
      expect(answer.stderr).toContain("npm run -s cli -- <command>")
    }
  )

  it("is the form README.md, docs/operations.md and the simulator's README show, never npx", () => {
    const scripts = JSON.parse(readFileSync(join(root, "package.json"), "utf8")).scripts
    expect(scripts.cli).toBe("node bin/liverc-ingest.js")
    for (const doc of ["README.md", "docs/operations.md", "src/sim/README.md"]) {
      const text = readFileSync(join(root, doc), "utf8")
      expect(text, doc).toContain("npm run -s cli --")
      const shellBlocks = [...text.matchAll(/```(?:sh|bash|shell)\n([\s\S]*?)```/g)].map((block) => block[1]).join("\n")
      expect(shellBlocks, doc).not.toMatch(/\bnpx\s+liverc-ingest\b/)
      // npx may be named as the form not to use, never shown running a command.
      expect(text, doc).not.toMatch(/`npx\s+liverc-ingest\s+[^`]+`/)
    }
  })
})
