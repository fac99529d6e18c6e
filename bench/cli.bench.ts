import { spawn } from "node:child_process"
import { availableParallelism, loadavg } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import { JobQueue } from "../src/queue/JobQueue.ts"
import { startGateway } from "../test/support/GatewayProcess.ts"
import { startNatsServer } from "../test/support/NatsTestServer.ts"
import { makeQueueClient, queueEnv, scriptedJob } from "../test/support/QueueHarness.ts"
import { createTestDatabase } from "../test/support/TestDatabase.ts"

/**
 * `npm run bench:cli`: how long an operator waits for the CLI (issue 17). Wall time from spawning
 * `node bin/liverc-ingest.js ...` to its exit, as a shell runs it, for `--help`, `status <id>`
 * (one job's status document, read from a private nats-server whose topology a real
 * `liverc-ingest gateway` provisioned; the job is queued, no worker runs) and, for reference,
 * `status --help`. Each is run once unmeasured (it fills Node's compile cache, as any earlier run
 * on the machine would have), then BENCH_RUNS times; prints the median and its ratio to the
 * 0.3 s target. Every answer is checked (exit 0, the expected output).
 *
 * The machine is shared: the load average at the start and the end is printed with the figures.
 *
 * Knobs: BENCH_RUNS (5).
 */

const runs = Number(process.env["BENCH_RUNS"] ?? 5)
const TARGET_SECONDS = 0.3
const bin = join(import.meta.dirname, "..", "bin", "liverc-ingest.js")

const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor((sorted.length - 1) / 2)]!
}

const timed = (args: ReadonlyArray<string>, env: Record<string, string>) =>
  new Promise<{ readonly seconds: number; readonly stdout: string }>((resolve, reject) => {
    const started = performance.now()
    const child = spawn(process.execPath, [bin, ...args], { env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "pipe"] })
    let stdout = ""
    let stderr = ""
    child.stdout.on("data", (chunk: Buffer) => (stdout += chunk.toString("utf8")))
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString("utf8")))
    child.once("close", (code) => {
      const seconds = (performance.now() - started) / 1000
      if (code !== 0) reject(new Error(`liverc-ingest ${args.join(" ")} exited ${code}: ${stderr}`))
      else resolve({ seconds, stdout })
    })
  })

const measure = async (
  label: string,
  args: ReadonlyArray<string>,
  env: Record<string, string>,
  check: (stdout: string) => boolean
) => {
  await timed(args, env)
  const seconds: Array<number> = []
  for (let i = 0; i < runs; i++) {
    const run = await timed(args, env)
    if (!check(run.stdout)) throw new Error(`liverc-ingest ${args.join(" ")} printed something else:\n${run.stdout}`)
    seconds.push(run.seconds)
  }
  const middle = median(seconds)
  console.log(
    `  ${label.padEnd(22)} median ${middle.toFixed(3)} s of ${runs} (${seconds.map((s) => s.toFixed(3)).join(", ")}) ` +
      `-> ratio ${(middle / TARGET_SECONDS).toFixed(2)} to the ${TARGET_SECONDS} s target`
  )
}

const nats = await startNatsServer()
const db = await createTestDatabase("lri_bench")
const env = queueEnv(nats.url, { DATABASE_URL: db.url })
const gateway = await startGateway(env)
const client = makeQueueClient(env)
try {
  const job = scriptedJob("noop")
  await client.runPromise(JobQueue.use((queue) => queue.enqueue(job)).pipe(Effect.asVoid))
  const load = loadavg()[0]!
  console.log(`bench:cli  wall time of node bin/liverc-ingest.js, spawn to exit, median of ${runs} after one warm-up run`)
  // Only what a shell would pass: the CLI reads NATS_URL like any operator's environment.
  const cliEnv = { NATS_URL: nats.url }
  await measure("--help", ["--help"], cliEnv, (out) => out.includes("USAGE") && out.includes("status"))
  await measure(`status <id>`, ["status", job.job_id], cliEnv, (out) => JSON.parse(out).job_id === job.job_id)
  await measure("status --help", ["status", "--help"], cliEnv, (out) => out.includes("liverc-ingest status"))
  console.log(`  load average (1 min) ${load.toFixed(2)} at the start, ${loadavg()[0]!.toFixed(2)} at the end, on ${availableParallelism()} cores shared with other work`)
} finally {
  await client.dispose()
  await gateway.kill()
  await db.drop()
  await nats.stop()
}
