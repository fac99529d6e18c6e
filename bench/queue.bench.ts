import { Effect, Option } from "effect"
import { execFileSync } from "node:child_process"
import { readFileSync } from "node:fs"
import { IngestStreams } from "../src/queue/IngestStreams.ts"
import { JobQueue } from "../src/queue/JobQueue.ts"
import { JobStatusStore } from "../src/queue/JobStatusStore.ts"
import { startNatsServer } from "../test/support/NatsTestServer.ts"
import { makeQueueClient, queueEnv, scriptedJob } from "../test/support/QueueHarness.ts"
import { startWorker } from "../test/support/WorkerProcess.ts"

/**
 * `npm run bench:queue`: no-op jobs end to end through the real path (JobQueue.enqueue: publish +
 * status create; worker actors: claim -> running, handler, completed, ackAck) on a private
 * nats-server with file storage, with 1 and 2 worker processes on this machine.
 *
 * Prints jobs/s (first enqueue to last completion) and enqueue-to-completed latency, and the
 * ratio to the peer: BullMQ 5 on Redis, ~13,000 no-op jobs/s end to end at concurrency 50 on
 * these machines. Every job's final status is read back and must be `completed` after one
 * attempt; a run that loses or skips one fails.
 *
 * It also prints the CPU time each party spent per job (broker, workers, the enqueuing client):
 * on a shared 2-core machine that, not the wall clock, says what bounds the figure.
 *
 * Knobs: BENCH_JOBS (20000), BENCH_WINDOW (enqueues in flight, 512), BENCH_WORKER_CONCURRENCY
 * (actors per worker process, 64), BENCH_WORKERS (comma list, "1,2").
 */

const PEER_JOBS_PER_SECOND = 13_000
const jobs = Number(process.env["BENCH_JOBS"] ?? 20_000)
const window = Number(process.env["BENCH_WINDOW"] ?? 512)
const concurrency = process.env["BENCH_WORKER_CONCURRENCY"] ?? "64"
const workerCounts = (process.env["BENCH_WORKERS"] ?? "1,2").split(",").map(Number)

/** user + system CPU of a process so far, in ms (Linux /proc). */
const cpuMillis = (pid: number) => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]?.split(" ") ?? []
  return (Number(fields[11]) + Number(fields[12])) * 10
}

const percentile = (sorted: ReadonlyArray<number>, p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN

interface Run {
  readonly workers: number
  readonly jobsPerSecond: number
  readonly enqueuePerSecond: number
  readonly p50: number
  readonly p99: number
  readonly max: number
  /** CPU µs per job: broker, all worker processes, the enqueuing client. */
  readonly cpu: { readonly broker: number; readonly workers: number; readonly client: number }
}

const runOnce = async (workers: number): Promise<Run> => {
  const server = await startNatsServer()
  const env = queueEnv(server.url, {
    INGEST_QUEUE_MAX: String(jobs * 2),
    INGEST_MAX_CONCURRENT: "1000",
    INGEST_ACK_WAIT: "30s",
    INGEST_JOB_TTL: "1h",
    WORKER_CONCURRENCY: concurrency
  })
  const client = makeQueueClient(env)
  try {
    await client.runPromise(Effect.void) // provisions
    const processes = await Promise.all(Array.from({ length: workers }, (_, i) => startWorker(`bench-${i}`, env)))
    const commands = Array.from({ length: jobs }, (_, i) => scriptedJob("noop", { eventId: String(1_000_000 + i) }))
    const startedAt = new Map<string, number>()
    const brokerPid = Number(execFileSync("pgrep", ["-f", `${server.storeDir}/nats.conf`]).toString().trim().split("\n")[0])
    const cpuBefore = {
      broker: cpuMillis(brokerPid),
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
      yield* Effect.all(Array.from({ length: window }, () => enqueuer), { concurrency: "unbounded", discard: true })
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

    const clientCpu = process.cpuUsage(cpuBefore.client)
    const perJob = (millis: number) => Math.round((millis * 1000) / jobs)
    const cpu = {
      broker: perJob(cpuMillis(brokerPid) - cpuBefore.broker),
      workers: perJob(processes.reduce((sum, p) => sum + cpuMillis(p.pid), 0) - cpuBefore.workers),
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
    latencies.sort((a, b) => a - b)
    return {
      workers,
      jobsPerSecond: jobs / ((lastCompletion - t0) / 1000),
      enqueuePerSecond: jobs / ((enqueuedAt - t0) / 1000),
      p50: percentile(latencies, 50),
      p99: percentile(latencies, 99),
      max: latencies[latencies.length - 1] ?? Number.NaN,
      cpu
    }
  } finally {
    await client.dispose()
    await server.stop()
  }
}

console.log(
  `queue bench: ${jobs} no-op jobs, ${window} enqueues in flight, ${concurrency} actors per worker, ` +
    "file storage, private nats-server, all processes on this machine"
)
for (const workers of workerCounts) {
  const run = await runOnce(workers)
  console.log(
    `${workers} worker process(es): ${run.jobsPerSecond.toFixed(0)} jobs/s end to end ` +
      `(enqueue alone ${run.enqueuePerSecond.toFixed(0)}/s); enqueue->completed p50 ${run.p50} ms, ` +
      `p99 ${run.p99} ms, max ${run.max} ms; ratio to BullMQ peer (${PEER_JOBS_PER_SECOND}/s): ` +
      `${(run.jobsPerSecond / PEER_JOBS_PER_SECOND).toFixed(2)}\n` +
      `  CPU per job: broker ${run.cpu.broker} µs, workers ${run.cpu.workers} µs, client ${run.cpu.client} µs ` +
      `(${run.cpu.broker + run.cpu.workers + run.cpu.client} µs in all: at most ` +
      `${Math.round(2e6 / (run.cpu.broker + run.cpu.workers + run.cpu.client))} jobs/s on 2 idle cores)`
  )
}
