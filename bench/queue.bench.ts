import { Effect, Option } from "effect"
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { IngestStreams } from "../src/queue/IngestStreams.ts"
import { JobQueue } from "../src/queue/JobQueue.ts"
import { JobStatusStore } from "../src/queue/JobStatusStore.ts"
import { startNatsServer } from "../test/support/NatsTestServer.ts"
import { makeQueueClient, queueEnv, scriptedJob } from "../test/support/QueueHarness.ts"
import { startWorker } from "../test/support/WorkerProcess.ts"
import { describeRedis, REDIS_HOST, REDIS_PORT, runBullmq } from "./peers/BullmqPeer.ts"
import { cpuMillis, type PeerOptions, type QueueRun, summarize } from "./peers/PeerRun.ts"
import { PGBOSS_BATCH, PGBOSS_DATABASE_URL, PGBOSS_LOCAL_CONCURRENCY, runPgBoss } from "./peers/PgBossPeer.ts"

/**
 * `npm run bench:queue`: no-op jobs end to end, with their status kept, through this queue and
 * through its peers, measured in the same run on this machine with the same work: N jobs, each
 * with a job id the queue dedupes on, enqueued by this process with BENCH_WINDOW enqueues in
 * flight, run by 1 and 2 worker processes of BENCH_WORKER_CONCURRENCY jobs each, every job's final
 * status read back (completed, one attempt; a run that loses or repeats one fails).
 *
 * - liverc-ingest: JobQueue.enqueue (publish + status create) and worker actors (claim, handler,
 *   completed status, ack) on a private nats-server with file storage.
 * - BullMQ (bullmq + ioredis) on the machine's Redis (BENCH_REDIS_HOST/PORT, 127.0.0.1:6379),
 *   job id = the dedupe key, completed jobs kept. Its persistence settings are printed: a Redis
 *   without AOF keeps nothing across a restart, which this queue's file store does.
 * - pg-boss on the machine's Postgres (BENCH_DATABASE_URL, in a schema of its own, dropped
 *   afterwards): `exclusive` queue policy with the dedupe key as singleton key, workers fetching
 *   BENCH_PGBOSS_BATCH (50) jobs at a time.
 *
 * Prints jobs/s (first enqueue to last completion), enqueue-to-completed latency, the CPU each
 * party spent per job (on a shared 2-core machine that, not the wall clock, says what bounds a
 * figure) and the ratio of this queue to each peer.
 *
 * Knobs: BENCH_JOBS (20000), BENCH_WINDOW (512), BENCH_WORKER_CONCURRENCY (64), BENCH_WORKERS
 * (comma list, "1,2"), BENCH_PEERS (comma list, "bullmq,pg-boss"; empty for none),
 * BENCH_PGBOSS_BATCH (50), BENCH_PGBOSS_LOCAL_CONCURRENCY (1).
 */

const jobs = Number(process.env["BENCH_JOBS"] ?? 20_000)
const window = Number(process.env["BENCH_WINDOW"] ?? 512)
const concurrency = Number(process.env["BENCH_WORKER_CONCURRENCY"] ?? 64)
const workerCounts = (process.env["BENCH_WORKERS"] ?? "1,2").split(",").map(Number)
const peers = (process.env["BENCH_PEERS"] ?? "bullmq,pg-boss").split(",").map((p) => p.trim()).filter((p) => p !== "")

const versionOf = (pkg: string) =>
  (JSON.parse(readFileSync(new URL(`../node_modules/${pkg}/package.json`, import.meta.url), "utf8")) as { version: string }).version

const runOurs = async (options: PeerOptions): Promise<QueueRun> => {
  const server = await startNatsServer()
  const env = queueEnv(server.url, {
    INGEST_QUEUE_MAX: String(options.jobs * 2),
    INGEST_MAX_CONCURRENT: "1000",
    INGEST_ACK_WAIT: "30s",
    INGEST_JOB_TTL: "1h",
    WORKER_CONCURRENCY: String(options.concurrency)
  })
  const client = makeQueueClient(env)
  try {
    await client.runPromise(Effect.void) // provisions
    const processes = await Promise.all(Array.from({ length: options.workers }, (_, i) => startWorker(`bench-${i}`, env)))
    const commands = Array.from({ length: options.jobs }, (_, i) => scriptedJob("noop", { eventId: String(1_000_000 + i) }))
    const startedAt = new Map<string, number>()
    const brokerPid = Number(execFileSync("pgrep", ["-f", `${server.storeDir}/nats.conf`]).toString().trim().split("\n")[0])
    const before = {
      server: cpuMillis(brokerPid),
      workers: processes.reduce((sum, p) => sum + cpuMillis(p.pid), 0),
      client: process.cpuUsage()
    }

    const t0 = Date.now()
    // `window` enqueuers, each taking the next command: as many in flight as a fiber per command
    // would give, without forking 20,000 fibers on the client's share of the CPU.
    await client.runPromise(Effect.gen(function*() {
      const queue = yield* JobQueue
      let next = 0
      const enqueuer = Effect.whileLoop({
        while: () => next < commands.length,
        body: () =>
          Effect.suspend(() => {
            const command = commands[next++]!
            startedAt.set(command.job_id, Date.now())
            return queue.enqueue(command)
          }),
        step: () => undefined
      })
      yield* Effect.all(Array.from({ length: options.window }, () => enqueuer), { concurrency: "unbounded", discard: true })
    }))
    const enqueuedAt = Date.now()

    // Done when the work stream is empty and nothing is in flight.
    await client.runPromise(Effect.gen(function*() {
      const { nats, topology } = yield* IngestStreams
      while (true) {
        const info = yield* Effect.promise(() => nats.jsm.consumers.info(topology.ingest.name, topology.workers.durable_name))
        if (info.num_pending === 0 && info.num_ack_pending === 0) return
        yield* Effect.sleep("20 millis")
      }
    }))

    const clientCpu = process.cpuUsage(before.client)
    const perJob = (millis: number) => Math.round((millis * 1000) / options.jobs)
    const cpu = {
      server: perJob(cpuMillis(brokerPid) - before.server),
      workers: perJob(processes.reduce((sum, p) => sum + cpuMillis(p.pid), 0) - before.workers),
      client: perJob((clientCpu.user + clientCpu.system) / 1000)
    }

    const latencies: Array<number> = []
    let lastCompletion = 0
    const notCompleted: Array<string> = []
    await client.runPromise(Effect.gen(function*() {
      const store = yield* JobStatusStore
      yield* Effect.forEach(commands, (command) =>
        Effect.gen(function*() {
          const stored = yield* store.get(command.job_id)
          const status = Option.getOrUndefined(stored)?.status
          if (status === undefined || status.status !== "completed" || status.attempts !== 1) {
            notCompleted.push(`${command.job_id}: ${status?.status ?? "missing"} after ${status?.attempts} attempts`)
            return
          }
          const done = Date.parse(status.updated_at)
          lastCompletion = Math.max(lastCompletion, done)
          latencies.push(done - (startedAt.get(command.job_id) ?? done))
        }), { concurrency: 256, discard: true })
    }))
    await Promise.all(processes.map((p) => p.terminate()))
    if (notCompleted.length > 0) {
      throw new Error(`${notCompleted.length} jobs did not complete cleanly, e.g. ${notCompleted.slice(0, 3).join("; ")}`)
    }
    return summarize(options.jobs, t0, enqueuedAt, latencies, lastCompletion, cpu)
  } finally {
    await client.dispose()
    await server.stop()
  }
}

const describe = (label: string, serverName: string, run: QueueRun) => {
  const total = run.cpu.server + run.cpu.workers + run.cpu.client
  return `  ${label.padEnd(14)} ${run.jobsPerSecond.toFixed(0).padStart(6)} jobs/s end to end ` +
    `(enqueue alone ${run.enqueuePerSecond.toFixed(0)}/s); enqueue->completed p50 ${run.p50} ms, p99 ${run.p99} ms, ` +
    `max ${run.max} ms\n` +
    `  ${"".padEnd(14)} CPU per job: ${serverName} ${run.cpu.server} µs, workers ${run.cpu.workers} µs, ` +
    `client ${run.cpu.client} µs (${total} µs in all: at most ${Math.round(2e6 / total)} jobs/s on 2 idle cores)`
}

const redis = peers.includes("bullmq") ? await describeRedis() : undefined
console.log(
  `queue bench: ${jobs} no-op jobs, each with a job id, status kept; ${window} enqueues in flight from this process; ` +
    `${concurrency} jobs at once per worker process; everything on this machine (${process.platform}, Node ${process.versions.node})`
)
console.log(`  liverc-ingest: JetStream file storage on a private nats-server`)
if (redis !== undefined) {
  console.log(
    `  BullMQ ${versionOf("bullmq")} + ioredis ${versionOf("ioredis")} on Redis ${redis.version} at ${REDIS_HOST}:${REDIS_PORT} ` +
      `(${redis.persistence}), completed jobs kept`
  )
}
if (peers.includes("pg-boss")) {
  console.log(
    `  pg-boss ${versionOf("pg-boss")} on ${PGBOSS_DATABASE_URL.replace(/\/\/[^@/]*@/, "//")} (private schema), ` +
      `exclusive policy, batch ${PGBOSS_BATCH}, ${PGBOSS_LOCAL_CONCURRENCY} fetch loop(s) per worker process`
  )
}
for (const workers of workerCounts) {
  const options: PeerOptions = { jobs, window, workers, concurrency }
  console.log(`${workers} worker process(es):`)
  const ours = await runOurs(options)
  console.log(describe("liverc-ingest", "broker", ours))
  const ratios: Array<string> = []
  if (redis !== undefined) {
    const bull = await runBullmq(options, redis)
    console.log(describe("BullMQ", "redis", bull))
    ratios.push(`BullMQ ${(ours.jobsPerSecond / bull.jobsPerSecond).toFixed(2)}`)
  }
  if (peers.includes("pg-boss")) {
    const boss = await runPgBoss(options)
    console.log(describe("pg-boss", "postgres", boss))
    ratios.push(`pg-boss ${(ours.jobsPerSecond / boss.jobsPerSecond).toFixed(2)}`)
  }
  if (ratios.length > 0) console.log(`  ratio liverc-ingest / peer (jobs/s, same run): ${ratios.join(", ")}`)
}
