import { type ChildProcess, spawn } from "node:child_process"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type RunningSimulator, startSimulator } from "../../src/sim/SimServer.ts"
import { call } from "../support/GatewayProcess.ts"
import { freePort, type NatsTestServer, startNatsServer } from "../support/NatsTestServer.ts"
import { createTestDatabase, type TestDatabase } from "../support/TestDatabase.ts"

/**
 * `liverc-ingest start` (`npm start`): the gateway and a worker in one process, sharing one NATS
 * connection. Here LiveRC is the simulator (LIVERC_TRACK_URL); everything else is as deployed.
 */

const bin = join(import.meta.dirname, "..", "..", "bin", "liverc-ingest.js")

const sleep = (millis: number) => new Promise((resolve) => setTimeout(resolve, millis))

describe("liverc-ingest start", () => {
  let nats: NatsTestServer
  let monitorPort: number
  let db: TestDatabase
  let sim: RunningSimulator
  let server: ChildProcess
  let exited: Promise<number | null>
  let log = ""
  let gateway: string

  beforeAll(async () => {
    monitorPort = await freePort()
    nats = await startNatsServer({ extraConfig: `http: "127.0.0.1:${monitorPort}"` })
    db = await createTestDatabase("lri_start")
    sim = await startSimulator()
    const port = await freePort()
    gateway = `http://127.0.0.1:${port}`
    server = spawn(process.execPath, [bin, "start"], {
      env: {
        PATH: process.env["PATH"] ?? "",
        NATS_URL: nats.url,
        DATABASE_URL: db.url,
        LIVERC_TRACK_URL: sim.trackUrlTemplate,
        LIVERC_ROOT_URL: sim.url,
        LIVERC_RATE_PER_SEC: "1000",
        LIVERC_BURST: "100",
        GATEWAY_PORT: String(port)
      },
      stdio: ["ignore", "pipe", "pipe"]
    })
    server.stdout?.on("data", (chunk: Buffer) => (log += chunk.toString("utf8")))
    server.stderr?.on("data", (chunk: Buffer) => (log += chunk.toString("utf8")))
    exited = new Promise((resolve) => server.once("exit", (code) => resolve(code)))
    const deadline = Date.now() + 60_000
    while (!log.includes("worker pool started") || (await call(`${gateway}/readyz`).catch(() => undefined))?.status !== 200) {
      if (server.exitCode !== null) throw new Error(`start exited with ${server.exitCode}:\n${log}`)
      if (Date.now() > deadline) throw new Error(`start was not ready within 60 s:\n${log}`)
      await sleep(100)
    }
  })

  afterAll(async () => {
    if (server?.exitCode === null && server.signalCode === null) server.kill("SIGKILL")
    await sim?.close()
    await nats?.stop()
    await db?.drop()
  })

  it("runs an event ingest submitted to its gateway on its own worker", async () => {
    const submitted = await call(`${gateway}/api/v1/events/ingest`, {
      method: "POST",
      body: { track_slug: "canberraoffroad", source_event_id: "486677", depth: "laps_full" }
    })
    expect(submitted.status).toBe(202)
    let job = submitted.body.data
    const deadline = Date.now() + 60_000
    while (job.status !== "completed" && job.status !== "failed" && Date.now() < deadline) {
      await sleep(200)
      job = (await call(`${gateway}/api/v1/ingestion/jobs/${job.job_id}`)).body.data
    }
    expect(job).toMatchObject({ status: "completed", result: { races: 32 } })
  })

  it("holds one NATS connection for the gateway and the worker", async () => {
    const connz = await (await fetch(`http://127.0.0.1:${monitorPort}/connz`)).json() as {
      connections: Array<{ name?: string }>
    }
    const ours = connz.connections.filter((connection) => connection.name?.startsWith("liverc-ingest-server-"))
    expect(ours).toHaveLength(1)
    expect(connz.connections).toHaveLength(1)
  })

  it("stops cleanly on SIGTERM with exit 0", async () => {
    server.kill("SIGTERM")
    expect(await exited).toBe(0)
  })
})
