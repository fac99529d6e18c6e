import { spawn } from "node:child_process"
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync } from "node:fs"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { isPortFree } from "../../src/demo/Ports.ts"
import { sqlAccess } from "../support/IngestRig.ts"
import { freePort, natsServerBinary, type NatsTestServer, startNatsServer } from "../support/NatsTestServer.ts"
import { createTestDatabase, type TestDatabase } from "../support/TestDatabase.ts"

/**
 * `npm run demo -- --once`, run as a person would from the repository: it brings up what is
 * missing, ingests sample event 486677 from the simulator's captured pages, prints the summary
 * and exits 0.
 */

const root = join(import.meta.dirname, "..", "..")

interface Run {
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
}

/** Only what is given: the caller's NATS_URL or DATABASE_URL must not leak in. */
const runDemo = (env: Record<string, string>): Promise<Run> =>
  new Promise((resolve) => {
    const keep = ["PATH", "HOME", "LANG", "TMPDIR"]
    const base = Object.fromEntries(keep.flatMap((key) => (process.env[key] === undefined ? [] : [[key, process.env[key]!]])))
    const child = spawn("npm", ["run", "--silent", "demo", "--", "--once"], {
      cwd: root,
      env: { ...base, ...env },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
    child.once("close", (code) => resolve({ code, stdout, stderr }))
  })

const storedCounts = async (url: string) => {
  const sql = sqlAccess(url, "liverc-ingest-test")
  try {
    const [row] = await sql.query<{ races: number; laps: number }>(
      `SELECT (SELECT count(*)::int FROM races r JOIN events e ON e.id = r.event_id WHERE e.source_event_id = '486677') AS races,
              (SELECT count(*)::int FROM laps) AS laps`
    )
    return row
  } finally {
    await sql.dispose()
  }
}

describe("npm run demo -- --once, with NATS and Postgres configured", () => {
  let nats: NatsTestServer
  let db: TestDatabase
  let run: Run

  beforeAll(async () => {
    nats = await startNatsServer()
    db = await createTestDatabase("lri_demo")
    run = await runDemo({ NATS_URL: nats.url, DATABASE_URL: db.url, GATEWAY_PORT: String(await freePort()) })
  })

  afterAll(async () => {
    await nats?.stop()
    await db?.drop()
  })

  it("uses the configured broker and database instead of starting its own", () => {
    expect(run.stdout).toContain(`NATS       ${nats.url}\n`)
    expect(run.stdout).not.toContain("started here")
    expect(run.stdout).not.toContain("embedded")
  })

  it("ingests sample event 486677 and exits 0 after the summary", async () => {
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toContain("Done: event 486677 ingested")
    expect(run.stdout).toMatch(/races 32, results \d+, drivers \d+, laps [\d,]+/)
    expect(await storedCounts(db.url)).toMatchObject({ races: 32 })
  })

  it("prints no gateway or job address, which would be dead once it has exited", () => {
    expect(run.stdout).not.toContain("API docs")
    expect(run.stdout).not.toContain("/api/v1/ingestion/jobs/")
  })
})

describe("npm run demo, serving until Ctrl-C", () => {
  let nats: NatsTestServer
  let db: TestDatabase

  beforeAll(async () => {
    nats = await startNatsServer()
    db = await createTestDatabase("lri_demo_serve")
  })
  afterAll(async () => {
    await nats?.stop()
    await db?.drop()
  })

  it("says where the gateway, its API docs and the job are while it serves, and stops cleanly on SIGINT", async () => {
    const port = await freePort()
    const keep = ["PATH", "HOME", "LANG", "TMPDIR"]
    const base = Object.fromEntries(keep.flatMap((key) => (process.env[key] === undefined ? [] : [[key, process.env[key]!]])))
    const child = spawn(process.execPath, [join(root, "bin", "liverc-ingest.js"), "demo"], {
      cwd: root,
      env: { ...base, NATS_URL: nats.url, DATABASE_URL: db.url, GATEWAY_PORT: String(port) },
      stdio: ["ignore", "pipe", "pipe"]
    })
    let stdout = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")))
    const exited = new Promise<number | null>((resolve) => child.once("close", (code) => resolve(code)))
    const deadline = Date.now() + 60_000
    while (!stdout.includes("Serving until Ctrl-C") && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100))
    expect(stdout).toContain(`Gateway    http://127.0.0.1:${port} (API docs http://127.0.0.1:${port}/docs)`)
    const job = /job {6}(http:\/\/\S+)/.exec(stdout)?.[1]
    expect(job).toBeDefined()
    const answer = await fetch(job!)
    expect(answer.status).toBe(200)
    expect((await answer.json() as { data: { status: string } }).data.status).toBe("completed")
    child.kill("SIGINT")
    expect(await exited).toBe(0)
  }, 90_000)
})

const hasNatsServer = () => {
  try {
    return natsServerBinary() !== ""
  } catch {
    return false
  }
}

describe.runIf(hasNatsServer())("npm run demo -- --once, with nothing configured", () => {
  let dataDir: string
  let natsPort: number
  let run: Run

  beforeAll(async () => {
    const tmp = join(root, "test", ".tmp")
    mkdirSync(tmp, { recursive: true })
    dataDir = mkdtempSync(join(tmp, "demo-"))
    // The embedded cluster runs as the postgres user when the tests run as root: it must reach its store.
    chmodSync(dataDir, 0o755)
    natsPort = await freePort()
    run = await runDemo({
      NATS_URL: `nats://127.0.0.1:${natsPort}`,
      DEMO_DATA_DIR: dataDir,
      GATEWAY_PORT: String(await freePort())
    })
  })

  afterAll(() => {
    if (dataDir !== undefined) rmSync(dataDir, { recursive: true, force: true })
  })

  it("starts nats-server -js with its store in the data directory, and stops it", async () => {
    expect(run.stdout).toContain(`NATS       started here at nats://127.0.0.1:${natsPort}`)
    expect(existsSync(join(dataDir, "nats", "jetstream"))).toBe(true)
    expect(await isPortFree("127.0.0.1", natsPort)).toBe(true)
  })

  it("runs an embedded PostgreSQL with its cluster in the data directory", () => {
    // Nothing that is gone once it exits: no gateway or job address.
    expect(run.stdout).not.toContain("/api/v1/ingestion/jobs/")
    expect(run.stdout).not.toMatch(/^Gateway /m)
    // The URL without its credentials (user and password alike).
    expect(run.stdout).toMatch(/Postgres {3}postgres:\/\/\*\*\*@127\.0\.0\.1:\d+\/liverc \(embedded/)
    expect(existsSync(join(dataDir, "postgres", "PG_VERSION"))).toBe(true)
  })

  it("ingests the sample event and exits 0", () => {
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/races 32, results \d+, drivers \d+, laps [\d,]+/)
  })
})
