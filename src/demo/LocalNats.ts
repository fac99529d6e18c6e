import { connect } from "@nats-io/transport-node"
import { Effect, Runtime, Schema, type Scope } from "effect"
import { CliError } from "effect/cli"
import { type ChildProcess, spawn } from "node:child_process"
import { closeSync, existsSync, mkdirSync, openSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { ensureServerBinary } from "../broker/NatsServerBinary.ts"
import { isCurrentServer, REQUIRED_SERVER_VERSION } from "../broker/ServerVersion.ts"
import { withoutCredentials } from "../config/UrlCredentials.ts"
import { ExitCode } from "../terminal/ExitCodes.ts"
import { isLoopback, isPortFree, isReachable, freePort } from "./Ports.ts"

/**
 * The broker of the demo: the one at NATS_URL when it answers and is current (>= 2.12), else a
 * `nats-server -js` started here with its store under `.data/nats`, stopped with the demo. The
 * binary is the one tests and benchmarks use (NATS_SERVER_BIN, .tools/bin, PATH); where none is
 * current the demo fetches one with scripts/install-nats-server.sh (Debian's packages, no root, the
 * machine's apt configuration untouched); elsewhere one message says what to install.
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
  /** Why a server that answered at NATS_URL was not used (too old), to tell the user. */
  readonly passedOver?: string
}

/** A current binary: found, or fetched by the install script where it can run. */
const currentBinary = Effect.suspend(() => {
  const binary = ensureServerBinary()
  return binary._tag === "Found" ? Effect.succeed(binary.path) : Effect.fail(new LocalNatsError({ reason: binary.reason }))
})

/** The version of the server answering at `url`, or undefined if it does not answer as NATS. */
const serverVersion = (url: string) =>
  Effect.promise(async () => {
    try {
      const nc = await connect({ servers: url, timeout: 2000, maxReconnectAttempts: 0, name: "liverc-ingest-demo-probe" })
      const version = nc.info?.version
      await nc.close()
      return version
    } catch {
      return undefined
    }
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
export const localNats = (natsUrl: string, storeDir: string): Effect.Effect<NatsEndpoint, LocalNatsError, Scope.Scope> =>
  Effect.gen(function*() {
    const configured = firstServer(natsUrl)
    let passedOver: string | undefined
    if (yield* Effect.promise(() => isReachable(configured.host, configured.port))) {
      const version = yield* serverVersion(natsUrl)
      if (version !== undefined && isCurrentServer(version)) return { url: natsUrl, started: false } satisfies NatsEndpoint
      passedOver = version === undefined
        ? `${withoutCredentials(natsUrl)} answers, but not as a NATS server`
        : `${withoutCredentials(natsUrl)} runs nats-server ${version}, older than ${REQUIRED_SERVER_VERSION}`
    }
    const binary = yield* currentBinary
    const port = isLoopback(configured.host) && (yield* Effect.promise(() => isPortFree("127.0.0.1", configured.port)))
      ? configured.port
      : yield* Effect.promise(() => freePort())
    yield* startServer(binary, port, storeDir)
    return { url: `nats://127.0.0.1:${port}`, started: true, ...(passedOver === undefined ? {} : { passedOver }) } satisfies NatsEndpoint
  })
