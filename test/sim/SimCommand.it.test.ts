import { spawn } from "node:child_process"
import { once } from "node:events"
import { fileURLToPath } from "node:url"
import { describe, expect, it } from "vitest"
import { freePort } from "../support/NatsTestServer.ts"

const bin = fileURLToPath(new URL("../../bin/liverc-ingest.js", import.meta.url))

describe("liverc-ingest sim", () => {
  it("serves on the given port with the given knobs, prints the env lines and stops on SIGTERM", async () => {
    const port = await freePort()
    const child = spawn(process.execPath, [bin, "sim", "--port", String(port), "--tracks", "30", "--rate-limit", "100", "--latency-ms", "5"], {
      stdio: ["ignore", "pipe", "pipe"]
    })
    let output = ""
    child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()))
    child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()))
    try {
      const deadline = Date.now() + 30_000
      while (!output.includes("LIVERC_ROOT_URL=") && Date.now() < deadline && child.exitCode === null) {
        await new Promise((resolve) => setTimeout(resolve, 100))
      }
      expect(output).toContain(`LIVERC_TRACK_URL=http://127.0.0.1:${port}/t/{track}`)
      expect(output).toContain(`LIVERC_ROOT_URL=http://127.0.0.1:${port}`)

      const catalogue = await (await fetch(`http://127.0.0.1:${port}/`)).text()
      expect(catalogue.match(/<tr class="clickable-row"/g)).toHaveLength(30)
      expect((await fetch(`http://127.0.0.1:${port}/t/canberraoffroad/results/?p=view_race_result&id=6304829`)).status).toBe(200)
      const config = (await (await fetch(`http://127.0.0.1:${port}/__sim/config`)).json()) as Record<string, unknown>
      expect(config).toMatchObject({ tracks: 30, rateLimit: 100, latency: { meanMs: 5, jitterMs: 0 } })
    } finally {
      child.kill("SIGTERM")
      if (child.exitCode === null) await once(child, "exit")
    }
    await expect(fetch(`http://127.0.0.1:${port}/`)).rejects.toThrow()
  })
})
