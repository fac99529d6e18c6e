import { createServer, type Server } from "node:net"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type CliRun, runCli } from "../support/CliProcess.ts"
import { freePort, type NatsTestServer, startNatsServer } from "../support/NatsTestServer.ts"

/**
 * What a long-running command says when it cannot start, as shipped: every bad setting at once,
 * one line each (`NAME: what was given; expected what`), exit 3; a dependency it cannot reach or
 * use, one line naming it and its address without secrets, exit 4. Never a stack trace.
 */

const noStack = (run: CliRun) => expect(`${run.stdout}${run.stderr}`).not.toMatch(/\n\s+at |SchemaError|ConfigError\(/)

describe("a service that cannot start", () => {
  let nats: NatsTestServer
  let busy: Server
  let busyPort: number

  beforeAll(async () => {
    nats = await startNatsServer()
    busyPort = await freePort()
    busy = createServer().listen(busyPort, "127.0.0.1")
  })
  afterAll(async () => {
    busy?.close()
    await nats?.stop()
  })

  it("reports every bad setting of `start` at once, one line each, and exits 3", async () => {
    const run = await runCli(["start"], {
      NATS_URL: nats.url,
      LIVERC_TRACK_URL: "http://x",
      INGEST_ACK_WAIT: "0",
      GATEWAY_PORT: "abc",
      LIVERC_RATE_PER_SEC: "-1",
      METRICS_PORT: "70000"
    })
    expect(run.code, run.stderr).toBe(3)
    const lines = run.stderr.split("\n").filter((line) => line.startsWith("  - ")).map((line) => line.slice(4)).sort()
    expect(lines).toEqual([
      "GATEWAY_PORT: \"abc\" given; expected a number",
      "INGEST_ACK_WAIT: \"0\" given; expected a duration like 500ms, 30s, 5m or 1h",
      "LIVERC_RATE_PER_SEC: \"-1\" given; expected a value between 0.001 and 10000",
      "LIVERC_TRACK_URL: \"http://x\" given; expected an http(s) URL with {track} exactly once, no query or credentials (it must contain {track} exactly once)",
      "METRICS_PORT: \"70000\" given; expected a value between 0 and 65535"
    ])
    noStack(run)
  })

  it("never shows a secret it refuses", async () => {
    const run = await runCli(["gateway"], { NATS_URL: "http://ops:n4ts-pw@127.0.0.1:1", GATEWAY_TOKEN: "short" })
    expect(run.code).toBe(3)
    expect(run.stderr).toContain("NATS_URL: \"http://***@127.0.0.1:1\" given")
    expect(run.stderr).toContain("GATEWAY_TOKEN: a value (not shown) given")
    expect(run.stderr).not.toContain("n4ts-pw")
    expect(run.stderr).not.toContain("short")
  })

  it("names Postgres and its address without the password when it cannot be reached, and exits 4", async () => {
    const run = await runCli(["worker"], { NATS_URL: nats.url, DATABASE_URL: "postgres://app:pg-secret@127.0.0.1:1/ingest", LOG_LEVEL: "warn" })
    expect(run.code, run.stderr).toBe(4)
    expect(run.stderr).toContain("liverc-ingest: Postgres at postgres://***@127.0.0.1:1/ingest cannot be used (migrate):")
    expect(run.stderr).toContain("ECONNREFUSED")
    expect(`${run.stdout}${run.stderr}`).not.toContain("pg-secret")
    noStack(run)
  })

  it("names the address when the gateway's port is taken, and exits 4", async () => {
    const run = await runCli(["gateway"], {
      NATS_URL: nats.url,
      GATEWAY_PORT: String(busyPort),
      DATABASE_URL: "postgres://root@127.0.0.1:5432/test",
      LOG_LEVEL: "warn"
    })
    expect(run.code, run.stderr).toBe(4)
    expect(run.stderr).toContain(`liverc-ingest: the gateway cannot listen: 127.0.0.1:${busyPort} is already in use (GATEWAY_HOST, GATEWAY_PORT)`)
    noStack(run)
  })
})
