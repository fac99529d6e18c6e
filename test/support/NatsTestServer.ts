import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createServer } from "node:net"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { findServerBinary } from "../../src/broker/NatsServerBinary.ts"

/**
 * A private `nats-server -js` for tests that must kill, restart or fill a broker: its own free
 * port and its own temp store, so runs never see each other's streams.
 */

/** The current nats-server to start (NATS_SERVER_BIN, else .tools/bin, else PATH); throws naming the fix. */
export const natsServerBinary = (): string => {
  const found = findServerBinary()
  if (found._tag === "Missing") throw new Error(found.reason)
  return found.path
}

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.on("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

const waitForPort = async (port: number, timeoutMs: number): Promise<void> => {
  const { connect } = await import("node:net")
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    const ok = await new Promise<boolean>((resolve) => {
      const socket = connect(port, "127.0.0.1")
      socket.once("connect", () => {
        socket.destroy()
        resolve(true)
      })
      socket.once("error", () => resolve(false))
    })
    if (ok) return
    await new Promise((r) => setTimeout(r, 50))
  }
  throw new Error(`nats-server did not listen on ${port} within ${timeoutMs} ms`)
}

export interface NatsTestServer {
  readonly url: string
  readonly port: number
  readonly storeDir: string
  /** SIGKILL: no flush, no goodbye, as a crash would. */
  readonly kill: () => Promise<void>
  /** Start again on the same port and store (after `kill` or `stop`). */
  readonly restart: () => Promise<void>
  readonly stop: () => Promise<void>
}

export interface NatsTestServerOptions {
  readonly port?: number
  /** Extra lines for the server config file (e.g. a cluster block). */
  readonly extraConfig?: string
  readonly serverName?: string
}

export const startNatsServer = async (options: NatsTestServerOptions = {}): Promise<NatsTestServer> => {
  const bin = natsServerBinary()
  const port = options.port ?? (await freePort())
  const storeDir = mkdtempSync(join(tmpdir(), "liverc-nats-"))
  const configFile = join(storeDir, "nats.conf")
  writeFileSync(
    configFile,
    [
      `listen: "127.0.0.1:${port}"`,
      options.serverName === undefined ? "" : `server_name: ${options.serverName}`,
      `jetstream { store_dir: "${join(storeDir, "js")}" }`,
      options.extraConfig ?? ""
    ].join("\n")
  )
  let child: ChildProcess | undefined
  const launch = async () => {
    child = spawn(bin, ["-c", configFile], { stdio: ["ignore", "ignore", "pipe"] })
    let stderr = ""
    child.stderr?.on("data", (chunk) => {
      stderr = (stderr + String(chunk)).slice(-4000)
    })
    const exited = new Promise<never>((_, reject) =>
      child?.once("exit", (code) => reject(new Error(`nats-server exited with ${code}: ${stderr}`)))
    )
    await Promise.race([waitForPort(port, 10_000), exited])
  }
  const terminate = async (signal: NodeJS.Signals) => {
    const running = child
    child = undefined
    if (running === undefined || running.exitCode !== null) return
    await new Promise<void>((resolve) => {
      running.once("exit", () => resolve())
      running.kill(signal)
    })
  }
  await launch()
  return {
    url: `nats://127.0.0.1:${port}`,
    port,
    storeDir,
    kill: () => terminate("SIGKILL"),
    restart: async () => {
      await terminate("SIGKILL")
      await launch()
    },
    stop: async () => {
      await terminate("SIGTERM")
      rmSync(storeDir, { recursive: true, force: true })
    }
  }
}
