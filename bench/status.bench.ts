import { Effect } from "effect"
import { Pool } from "undici"
import type { Command } from "../src/jobs/Commands.ts"
import { JobQueue } from "../src/queue/JobQueue.ts"
import { startGateway } from "../test/support/GatewayProcess.ts"
import { startNatsServer } from "../test/support/NatsTestServer.ts"
import { makeQueueClient, queueEnv, scriptedJob } from "../test/support/QueueHarness.ts"
import { createTestDatabase } from "../test/support/TestDatabase.ts"

/**
 * `npm run bench:status`: GET /api/v1/ingestion/jobs/{jobId} through a real `liverc-ingest gateway`
 * process over a private nats-server, with few and with many queued jobs (no worker runs, so every
 * job stays queued and every answer also computes queue_position). Pollers ask for the job at the
 * head of the queue and the one at its tail in turn.
 *
 * A poll is one KV read plus a consumer-info call shared by every poll for CONSUMER_INFO_TTL, so
 * neither the bucket's size nor the job's place in line should show in the figures: the printed
 * ratio (many / few) is the claim under test, and should stay near 1.
 *
 * Every answer is checked (200, status queued, the expected queue_position); a wrong one fails the
 * run. Each size is polled unmeasured for WARMUP_SECONDS first. The gateway, the broker and this load generator share the machine's cores.
 *
 * Knobs: BENCH_SIZES (comma list, "100,100000"), BENCH_POLLERS (concurrent requests, 32),
 * BENCH_SECONDS (per size, 10), BENCH_WINDOW (enqueues in flight, 512).
 */

const sizes = (process.env["BENCH_SIZES"] ?? "100,100000").split(",").map(Number).sort((a, b) => a - b)
const pollers = Number(process.env["BENCH_POLLERS"] ?? 32)
const seconds = Number(process.env["BENCH_SECONDS"] ?? 10)
const window = Number(process.env["BENCH_WINDOW"] ?? 512)
const WARMUP_SECONDS = 2
const largest = sizes[sizes.length - 1] ?? 0

const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN

interface Target {
  readonly jobId: string
  readonly position: number
}

interface Run {
  readonly polls: number
  readonly pollsPerSecond: number
  readonly p50: number
  readonly p99: number
}

const poll = async (pool: Pool, targets: ReadonlyArray<Target>, forSeconds: number): Promise<Run> => {
  const latencies: Array<number> = []
  const deadline = performance.now() + forSeconds * 1000
  let next = 0
  const poller = async () => {
    while (performance.now() < deadline) {
      const target = targets[next++ % targets.length]!
      const started = performance.now()
      const { statusCode, body } = await pool.request({ method: "GET", path: `/api/v1/ingestion/jobs/${target.jobId}` })
      const answer = (await body.json()) as any
      latencies.push(performance.now() - started)
      if (statusCode !== 200 || answer.data?.status !== "queued" || answer.data?.queue_position !== target.position) {
        throw new Error(
          `poll of ${target.jobId} (expected queued at ${target.position}) answered ${statusCode} ${JSON.stringify(answer)}`
        )
      }
    }
  }
  const t0 = performance.now()
  await Promise.all(Array.from({ length: pollers }, poller))
  const elapsed = (performance.now() - t0) / 1000
  latencies.sort((a, b) => a - b)
  return {
    polls: latencies.length,
    pollsPerSecond: latencies.length / elapsed,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99)
  }
}

const nats = await startNatsServer()
const db = await createTestDatabase("lri_bench")
// A 1 h TTL puts the status keeper's second pass 10 minutes out: its walk over every queued job
// would otherwise land inside a measurement (its first pass runs at start, on an empty stream).
const env = queueEnv(nats.url, {
  INGEST_QUEUE_MAX: String(largest * 2),
  INGEST_JOB_TTL: "1h",
  DATABASE_URL: db.url
})
const client = makeQueueClient(env)
const gateway = await startGateway(env)
const pool = new Pool(gateway.url, { connections: pollers, pipelining: 1 })
try {
  console.log(
    `status bench: GET /api/v1/ingestion/jobs/{id} through one gateway process, ${pollers} concurrent pollers, ` +
      `${seconds} s per size, queued jobs only (no worker), private nats-server with file storage, all on this machine`
  )
  const commands: Array<Command> = []
  const enqueue = (count: number) =>
    client.runPromise(Effect.gen(function*() {
      const queue = yield* JobQueue
      const batch = Array.from({ length: count }, () => scriptedJob("noop"))
      yield* Effect.forEach(batch, (command) => queue.enqueue(command), { concurrency: window, discard: true })
      commands.push(...batch)
    }))
  const results: Array<{ readonly size: number; readonly run: Run }> = []
  for (const size of sizes) {
    const t0 = Date.now()
    await enqueue(size - commands.length)
    const enqueueSeconds = (Date.now() - t0) / 1000
    // The INGEST stream numbers commands 1..n in publish order, and nothing was delivered yet.
    const head = { jobId: commands[0]!.job_id, position: 1 }
    const tail = { jobId: commands[commands.length - 1]!.job_id, position: commands.length }
    // Unmeasured: JIT warm-up and connection set-up would otherwise count against the first size.
    await poll(pool, [head, tail], WARMUP_SECONDS)
    const run = await poll(pool, [head, tail], seconds)
    results.push({ size, run })
    console.log(
      `${String(size).padStart(7)} queued jobs: p50 ${run.p50.toFixed(2)} ms, p99 ${run.p99.toFixed(2)} ms, ` +
        `${run.pollsPerSecond.toFixed(0)} polls/s (${run.polls} polls, head and tail in turn; ` +
        `queue filled in ${enqueueSeconds.toFixed(1)} s)`
    )
  }
  const few = results[0]
  const many = results[results.length - 1]
  if (few !== undefined && many !== undefined && few !== many) {
    console.log(
      `ratio ${many.size} / ${few.size} jobs: p50 x${(many.run.p50 / few.run.p50).toFixed(2)}, ` +
        `p99 x${(many.run.p99 / few.run.p99).toFixed(2)}, polls/s x${(many.run.pollsPerSecond / few.run.pollsPerSecond).toFixed(2)} ` +
        "(near 1: a poll costs the same whatever the number of jobs)"
    )
  }
} finally {
  await pool.close()
  await gateway.kill()
  await client.dispose()
  await db.drop()
  await nats.stop()
}
