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
    db = createTestDatabase("lri_demo")
    run = await runDemo({ NATS_URL: nats.url, DATABASE_URL: db.url, GATEWAY_PORT: String(await freePort()) })
  })

  afterAll(async () => {
    await nats?.stop()
    db?.drop()
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

  it("says where the gateway and its API docs are", () => {
    expect(run.stdout).toMatch(/API docs http:\/\/127\.0\.0\.1:\d+\/docs/)
  })
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
    expect(run.stdout).toMatch(/Postgres {3}postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:\d+\/liverc \(embedded/)
    expect(existsSync(join(dataDir, "postgres", "PG_VERSION"))).toBe(true)
  })

  it("ingests the sample event and exits 0", () => {
    expect(run.code, run.stderr).toBe(0)
    expect(run.stdout).toMatch(/races 32, results \d+, drivers \d+, laps [\d,]+/)
  })
})
