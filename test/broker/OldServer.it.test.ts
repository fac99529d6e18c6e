import { type ChildProcess, spawn } from "node:child_process"
import { existsSync, mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { binaryVersion } from "../../src/broker/NatsServerBinary.ts"
import { isCurrentServer } from "../../src/broker/ServerVersion.ts"
import { runCli } from "../support/CliProcess.ts"
import { freePort } from "../support/NatsTestServer.ts"

/**
 * Every process refuses a nats-server older than 2.12 at start, with one line naming both
 * versions. Debian bookworm's 2.9.10 is the old server at hand: this suite starts it by path on a
 * private port (the machine's own at 4222 is the same binary).
 */

const OLD_BINARY = "/usr/sbin/nats-server"
const oldVersion = existsSync(OLD_BINARY) ? binaryVersion(OLD_BINARY) : undefined
const haveOld = oldVersion !== undefined && !isCurrentServer(oldVersion)

describe.runIf(haveOld)("a service pointed at an old nats-server", () => {
  let server: ChildProcess
  let store: string
  let url: string

  beforeAll(async () => {
    const port = await freePort()
    store = mkdtempSync(join(tmpdir(), "liverc-old-nats-"))
    server = spawn(OLD_BINARY, ["-js", "-a", "127.0.0.1", "-p", String(port), "-sd", store], { stdio: "ignore" })
    url = `nats://ops:s3cret-pw@127.0.0.1:${port}`
    await new Promise((r) => setTimeout(r, 500))
  })
  afterAll(() => {
    server?.kill("SIGKILL")
    rmSync(store, { recursive: true, force: true })
  })

  for (const command of [["worker"], ["gateway"], ["status", "job-aaaaaaaa"]]) {
    it(`\`${command[0]}\` exits 4 at start naming the found and the required version`, async () => {
      const run = await runCli(command, { NATS_URL: url, NATS_CONNECT_TIMEOUT: "5s", DATABASE_URL: "postgres://root@127.0.0.1:5432/test" })
      expect(run.code, run.stderr).toBe(4)
      const output = `${run.stdout}${run.stderr}`
      expect(output).toContain(`nats-server ${oldVersion} at 127.0.0.1:`)
      expect(output).toContain("is older than 2.12.0")
      expect(output).not.toContain("s3cret-pw")
      expect(output).not.toMatch(/\n\s+at /)
    }, 30_000)
  }
})
