import { type ChildProcess, spawn } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import type { SimConfigPatch } from "../../src/sim/SimConfig.ts"
import type { SimStatsSnapshot } from "../../src/sim/SimStats.ts"
import { freePort } from "./NatsTestServer.ts"

/**
 * The LiveRC simulator in a process of its own (`liverc-ingest sim`), driven through its control
 * API. For measurements taken where requests arrive: the simulator stamps an arrival on its own
 * event loop, so it must not share one with a test that is busy polling a hundred jobs (a stall
 * there bunches arrivals that were spread out, as LiveRC's front end never would).
 */

export interface SimProcess {
  readonly url: string
  readonly trackUrlTemplate: string
  readonly stats: () => Promise<SimStatsSnapshot>
  readonly resetStats: () => Promise<void>
  readonly configure: (patch: SimConfigPatch) => Promise<void>
  readonly close: () => Promise<void>
}

const bin = join(import.meta.dirname, "..", "..", "bin", "liverc-ingest.js")

const control = async (url: string, path: string, body?: unknown) => {
  const response = await fetch(`${url}/__sim/${path}`, {
    method: body === undefined ? "GET" : "POST",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    ...(body === undefined ? {} : { body: JSON.stringify(body) })
  })
  if (!response.ok) throw new Error(`simulator ${path}: HTTP ${response.status} ${await response.text()}`)
  return response.json()
}

export const startSimProcess = async (config: SimConfigPatch = {}): Promise<SimProcess> => {
  const port = await freePort()
  const dir = mkdtempSync(join(tmpdir(), "liverc-sim-"))
  const configFile = join(dir, "sim.json")
  writeFileSync(configFile, JSON.stringify(config))
  const child: ChildProcess = spawn(process.execPath, [bin, "sim", "--port", String(port), "--config", configFile], {
    stdio: ["ignore", "ignore", "pipe"]
  })
  let stderr = ""
  child.stderr?.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString("utf8")).slice(-4000)))
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 20_000
  while (true) {
    if (child.exitCode !== null) throw new Error(`the simulator exited with ${child.exitCode}: ${stderr}`)
    const up = await fetch(`${url}/__sim/health`).then((r) => r.ok, () => false)
    if (up) break
    if (Date.now() > deadline) throw new Error(`the simulator did not answer within 20 s: ${stderr}`)
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    url,
    trackUrlTemplate: `${url}/t/{track}`,
    stats: () => control(url, "stats") as Promise<SimStatsSnapshot>,
    resetStats: async () => void await control(url, "stats/reset", {}),
    configure: async (patch) => void await control(url, "config", patch),
    close: async () => {
      if (child.exitCode === null) {
        await new Promise<void>((resolve) => {
          child.once("exit", () => resolve())
          child.kill("SIGTERM")
        })
      }
      rmSync(dir, { recursive: true, force: true })
    }
  }
}
