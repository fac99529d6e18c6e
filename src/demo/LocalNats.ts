import { Effect, Runtime, Schema } from "effect"
import { CliError } from "effect/cli"
import { type ChildProcess, spawn, spawnSync } from "node:child_process"
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { ExitCode } from "../terminal/ExitCodes.ts"
import { isLoopback, isPortFree, isReachable, freePort } from "./Ports.ts"

/**
 * The broker of the demo: the one at NATS_URL when something answers there, else a
 * `nats-server -js` started here with its store under `.data/nats`, stopped with the demo. A
 * machine without nats-server gets Debian's package when installing is allowed (root with apt-get,
 * or DEMO_INSTALL_NATS=1 to go through sudo); otherwise one message says how to install it.
 */

export class LocalNatsError extends Schema.TaggedError<LocalNatsError>()("LocalNatsError", {
  reason: Schema.String
}) {
  override readonly [Runtime.errorExitCode] = ExitCode.unavailable
  override get message() {
    return this.reason
  }
  override get [CliError.userMessage]() {
    return this.reason
  }
}

export interface NatsEndpoint {
  readonly url: string
  /** Started by the demo (and stopped with it), rather than found running. */
  readonly started: boolean
}

const HOW_TO_INSTALL = "nats-server is not installed. Install it (Debian/Ubuntu: `sudo apt-get install nats-server`; " +
  "elsewhere: https://github.com/nats-io/nats-server/releases), set NATS_SERVER_BIN to its path, " +
  "or point NATS_URL at a running server (JetStream enabled). DEMO_INSTALL_NATS=1 lets the demo run apt-get through sudo."

const KNOWN_PATHS = ["/usr/sbin/nats-server", "/usr/bin/nats-server", "/usr/local/bin/nats-server"]

const findBinary = (): string | undefined => {
  const known = KNOWN_PATHS.find((path) => existsSync(path))
  if (known !== undefined) return known
  const which = spawnSync("which", ["nats-server"], { encoding: "utf8" })
  return which.status === 0 ? which.stdout.trim() : undefined
}

const hasAptGet = () => spawnSync("which", ["apt-get"]).status === 0

/** Root with apt-get needs nobody's permission; anyone else opts in, and goes through sudo. */
const installCommand = (): ReadonlyArray<string> | undefined => {
  if (!hasAptGet()) return undefined
  if (process.getuid?.() === 0) return ["apt-get"]
  return process.env["DEMO_INSTALL_NATS"] === "1" ? ["sudo", "apt-get"] : undefined
}

const aptGet = (prefix: ReadonlyArray<string>, args: ReadonlyArray<string>) => {
  const [command, ...rest] = [...prefix, ...args]
  return spawnSync(command!, rest, {
    stdio: ["ignore", "ignore", "inherit"],
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" }
  }).status === 0
}

const installNatsServer = Effect.gen(function*() {
  const prefix = installCommand()
  if (prefix === undefined) return yield* new LocalNatsError({ reason: HOW_TO_INSTALL })
  process.stderr.write("nats-server is missing: installing Debian's nats-server package (apt-get)...\n")
  // A fresh machine may have no package lists yet; update only when the first try finds nothing.
  const installed = aptGet(prefix, ["install", "-y", "-q", "nats-server"]) ||
    (aptGet(prefix, ["update", "-q"]) && aptGet(prefix, ["install", "-y", "-q", "nats-server"]))
  const binary = installed ? findBinary() : undefined
  if (binary === undefined) {
    return yield* new LocalNatsError({ reason: `apt-get could not install nats-server. ${HOW_TO_INSTALL}` })
  }
  return binary
})

const firstServer = (natsUrl: string): { host: string; port: number } => {
  const first = natsUrl.split(",")[0]!.trim()
  const url = new URL(first.includes("://") ? first : `nats://${first}`)
  return { host: url.hostname, port: url.port === "" ? 4222 : Number(url.port) }
}

const waitUntilListening = async (child: ChildProcess, port: number, logFile: string): Promise<void> => {
  const deadline = Date.now() + 15_000
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) break
    if (await isReachable("127.0.0.1", port)) return
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  const log = existsSync(logFile) ? readFileSync(logFile, "utf8").slice(-2000) : ""
  throw new Error(`nats-server did not start on port ${port} (log ${logFile}):\n${log}`)
}

const stopServer = (child: ChildProcess) =>
  new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve()
    const kill = setTimeout(() => child.kill("SIGKILL"), 5_000)
    child.once("exit", () => {
      clearTimeout(kill)
      resolve()
    })
    child.kill("SIGTERM")
  })

/**
 * The server runs in its own process group, so the Ctrl-C that stops the demo does not stop the
 * broker under the worker's feet: the demo's shutdown stops it last. A demo that exits without
 * its shutdown (a second Ctrl-C) still takes it down.
 */
const startServer = (binary: string, port: number, storeDir: string) =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        mkdirSync(storeDir, { recursive: true })
        const logFile = join(storeDir, "nats-server.log")
        const log = openSync(logFile, "w")
        const child = spawn(binary, ["-js", "-a", "127.0.0.1", "-p", String(port), "-sd", storeDir], {
          detached: true,
          stdio: ["ignore", log, log]
        })
        closeSync(log)
        const onExit = () => child.kill("SIGKILL")
        process.once("exit", onExit)
        try {
          await waitUntilListening(child, port, logFile)
        } catch (error) {
          await stopServer(child)
          throw error
        }
        return { child, onExit }
      },
      catch: (error) => new LocalNatsError({ reason: error instanceof Error ? error.message : String(error) })
    }),
    ({ child, onExit }) =>
      Effect.promise(async () => {
        await stopServer(child)
        process.off("exit", onExit)
      })
  )

/** The broker to use: `natsUrl` if it answers, else a local one on its port (or a free one). */
export const localNats = (natsUrl: string, storeDir: string) =>
  Effect.gen(function*() {
    const configured = firstServer(natsUrl)
    if (yield* Effect.promise(() => isReachable(configured.host, configured.port))) {
      return { url: natsUrl, started: false } satisfies NatsEndpoint
    }
    const configuredBinary = process.env["NATS_SERVER_BIN"]
    if (configuredBinary !== undefined && configuredBinary !== "" && !existsSync(configuredBinary)) {
      return yield* new LocalNatsError({ reason: `NATS_SERVER_BIN is ${configuredBinary}, which does not exist` })
    }
    const binary = configuredBinary || findBinary() || (yield* installNatsServer)
    const port = isLoopback(configured.host) && (yield* Effect.promise(() => isPortFree("127.0.0.1", configured.port)))
      ? configured.port
      : yield* Effect.promise(() => freePort())
    yield* startServer(binary, port, storeDir)
    return { url: `nats://127.0.0.1:${port}`, started: true } satisfies NatsEndpoint
  })
