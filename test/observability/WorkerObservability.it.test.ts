import { createServer } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type CliWorker, type IngestRig, startRig } from "../support/IngestRig.ts"

/**
 * What a `liverc-ingest worker` process tells its operators: `/metrics` on METRICS_PORT and JSON
 * log lines on stdout naming the job they are about, with none of its secrets anywhere.
 */

const NATS_TOKEN_MARKER = "nats-token-5c1f0e77d2"
const DB_PASSWORD_MARKER = "db-password-9a41b3c6e8"

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer()
    server.once("error", reject)
    server.listen(0, "127.0.0.1", () => {
      const address = server.address()
      server.close(() => (typeof address === "object" && address !== null ? resolve(address.port) : reject(new Error("no port"))))
    })
  })

interface LogLine {
  readonly message: unknown
  readonly level: string
  readonly timestamp: string
  readonly annotations: Record<string, unknown>
}

const logLines = (output: string): Array<LogLine> =>
  output.split("\n").filter((line) => line.trim() !== "").map((line) => JSON.parse(line) as LogLine)

describe("worker observability", () => {
  let rig: IngestRig
  let worker: CliWorker
  let metricsUrl: string
  let dbPassword: string

  beforeAll(async () => {
    rig = await startRig({ env: { INGEST_MAX_DELIVER: "2", INGEST_RETRY_BASE: "200 millis" } })
    const port = await freePort()
    metricsUrl = `http://127.0.0.1:${port}/metrics`
    // This NATS asks for no token: it is sent and ignored. A Postgres that trusts local connections
    // ignores a password too, so one is added; an embedded server's own password is kept (it
    // checks it). Either way the worker runs normally with both secrets in its configuration.
    const databaseUrl = new URL(rig.env["DATABASE_URL"]!)
    if (databaseUrl.password === "") databaseUrl.password = DB_PASSWORD_MARKER
    dbPassword = decodeURIComponent(databaseUrl.password)
    worker = await rig.startWorker({
      METRICS_PORT: String(port),
      METRICS_HOST: "127.0.0.1",
      LOG_LEVEL: "debug",
      NATS_TOKEN: NATS_TOKEN_MARKER,
      DATABASE_URL: databaseUrl.toString()
    })
  })
  afterAll(async () => {
    await rig?.close()
  })

  const scrape = async () => {
    const response = await fetch(metricsUrl)
    expect(response.status).toBe(200)
    return response.text()
  }

  it("serves /metrics on METRICS_PORT with the actors, the process metrics and no job yet", async () => {
    const text = await scrape()
    expect(text).toMatch(/^liverc_worker_actors 4$/m)
    expect(text).toMatch(/^liverc_worker_actors_busy 0$/m)
    expect(text).toMatch(/^liverc_worker_utilisation_ratio 0$/m)
    expect(text).toMatch(/^process_cpu_seconds_total \d/m)
    expect(text).toMatch(/^liverc_job_redeliveries_total 0$/m)
    expect(text).not.toContain("liverc_job_duration_seconds_count")
  })

  it("counts a finished job in liverc_job_duration_seconds by kind and outcome", async () => {
    const command = await rig.enqueue({ kind: "ingest_event", event_id: "486677", track_slug: "canberraoffroad", depth: "summary" })
    expect(await rig.settled(command.job_id)).toMatchObject({ status: "completed" })
    const text = await scrape()
    expect(text).toMatch(/^liverc_job_duration_seconds_bucket\{le="\+Inf",kind="ingest_event",outcome="completed"\} 1$/m)
    expect(text).toMatch(/^liverc_job_duration_seconds_count\{kind="ingest_event",outcome="completed"\} 1$/m)
    // The pages it fetched, by page kind and status (the LiveRC client's histogram).
    expect(text).toMatch(/^liverc_request_duration_seconds_count\{.*\} [1-9]/m)
    expect(text).not.toContain(command.job_id)
  })

  it("logs JSON lines annotated with the job, its event, the attempt and the stage", async () => {
    // Forced: the event is stored and unchanged, and only a forced run goes through every stage.
    const command = await rig.enqueue({
      kind: "ingest_event",
      event_id: "486677",
      track_slug: "canberraoffroad",
      depth: "summary",
      force: true
    })
    await rig.settled(command.job_id)
    const lines = logLines(worker.output())
    expect(lines.every((line) => typeof line.level === "string" && typeof line.timestamp === "string")).toBe(true)
    const ofJob = lines.filter((line) => line.annotations["job_id"] === command.job_id)
    expect(ofJob.length).toBeGreaterThan(0)
    for (const line of ofJob) {
      expect(line.annotations).toMatchObject({ kind: "ingest_event", event_id: "486677", attempt: 1 })
    }
    const stages = ofJob.flatMap((line) => typeof line.annotations["stage"] === "string" ? [line.annotations["stage"]] : [])
    expect(new Set(stages)).toEqual(new Set(["resolve_track", "fetch_event_page", "fetch_race_pages", "write"]))
    expect(ofJob.map((line) => line.message)).toContain("job started")
    expect(ofJob.some((line) => typeof line.message === "string" && line.message.startsWith("job completed after"))).toBe(true)
  })

  it("counts a retry as a redelivery, and each run by how it ended", async () => {
    await rig.sim.configure({ faults: { rate503: 1 } })
    try {
      const command = await rig.enqueue({ kind: "ingest_event", event_id: "486677", track_slug: "bbrcc", depth: "summary" })
      expect(await rig.settled(command.job_id)).toMatchObject({ status: "failed", attempts: 2 })
      const text = await scrape()
      expect(text).toMatch(/^liverc_job_duration_seconds_count\{kind="ingest_event",outcome="retried"\} 1$/m)
      expect(text).toMatch(/^liverc_job_duration_seconds_count\{kind="ingest_event",outcome="failed"\} 1$/m)
      expect(text).toMatch(/^liverc_job_redeliveries_total 1$/m)
      const retryWarning = logLines(worker.output()).find((line) =>
        line.level === "WARN" && line.annotations["job_id"] === command.job_id
      )
      expect(retryWarning?.annotations).toMatchObject({ attempt: 1, kind: "ingest_event", event_id: "486677" })
    } finally {
      await rig.sim.configure({ faults: { rate503: 0 } })
    }
  })

  it("never prints its NATS token or database password", async () => {
    expect(await worker.terminate()).toBe(0)
    const output = worker.output()
    expect(output).toContain("worker pool stopped")
    expect(output).not.toContain(NATS_TOKEN_MARKER)
    expect(output).not.toContain(dbPassword)
  })
})
