import { type ChildProcess, spawn } from "node:child_process"
import { join } from "node:path"
import { healthy } from "./GatewayProcess.ts"
import { freePort } from "./NatsTestServer.ts"

/**
 * `liverc-ingest start` as shipped (the gateway and a worker in one process, on one event loop),
 * on a free port, configured by `env`. Ready once /healthz answers and the worker pool runs: its
 * /healthz then says how responsive the worker's own loop is while it runs jobs.
 */

export interface ServerProcess {
  readonly url: string
  readonly pid: number
  readonly output: () => string
  readonly exited: Promise<number | null>
  readonly kill: () => Promise<void>
}

const bin = join(import.meta.dirname, "..", "..", "bin", "liverc-ingest.js")

export const startServer = async (env: Record<string, string>): Promise<ServerProcess> => {
  const port = await freePort()
  const child: ChildProcess = spawn(process.execPath, [bin, "start"], {
    env: { ...process.env, ...env, GATEWAY_HOST: "127.0.0.1", GATEWAY_PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let log = ""
  const append = (chunk: Buffer) => {
    log = (log + chunk.toString("utf8")).slice(-200_000)
  }
  child.stdout?.on("data", append)
  child.stderr?.on("data", append)
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  while (!(log.includes("worker pool started") && (await healthy(url)))) {
    if (child.exitCode !== null) throw new Error(`liverc-ingest start exited with ${child.exitCode}:\n${log}`)
    if (Date.now() > deadline) {
      child.kill("SIGKILL")
      throw new Error(`liverc-ingest start was not ready within 60 s:\n${log}`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  return {
    url,
    pid: child.pid ?? -1,
    output: () => log,
    exited,
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
      await exited
    }
  }
}

export interface HealthProbe {
  /** Stops polling; latencies in ms of every /healthz answer, and how many failed or timed out. */
  readonly stop: () => Promise<{ readonly latencies: ReadonlyArray<number>; readonly failures: number }>
}

/** Polls `${url}/healthz` one request at a time, every `everyMs`, until stopped. */
export const probeHealth = (url: string, everyMs = 20): HealthProbe => {
  const latencies: Array<number> = []
  let failures = 0
  let running = true
  const loop = (async () => {
    while (running) {
      const started = performance.now()
      try {
        const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(30_000) })
        await response.arrayBuffer()
        if (response.status === 200) latencies.push(performance.now() - started)
        else failures++
      } catch {
        failures++
      }
      await new Promise((resolve) => setTimeout(resolve, everyMs))
    }
  })()
  return {
    stop: async () => {
      running = false
      await loop
      return { latencies, failures }
    }
  }
}

export const percentile = (values: ReadonlyArray<number>, p: number): number => {
  if (values.length === 0) return Number.NaN
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}
