import { type ChildProcess, spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Effect, Schema } from "effect"
import { Command } from "../src/jobs/Commands.ts"
import type { JobStatus } from "../src/jobs/JobStatus.ts"
import { startSimulator } from "../src/sim/SimServer.ts"
import { JobQueue } from "../src/streams/JobQueue.ts"
import { startNatsServer } from "../test/support/NatsTestServer.ts"
import { makeQueueClient, newJobId, queueEnv } from "../test/support/QueueHarness.ts"
import { waitForStatus } from "../test/support/QueueProbe.ts"
import { createTestDatabase } from "../test/support/TestDatabase.ts"

/**
 * `npm run bench:track-sync`: one `sync_tracks` job over a synthetic catalogue of 1,000 and of
 * 10,000 tracks (simulator `tracks` knob, no latency), run by a real `liverc-ingest worker`
 * process against a private nats-server, a fresh database and a throttle far above the load.
 *
 * Prints tracks/s (enqueue to completed) and the worker process's resident memory: idle after
 * start, and its kernel high-water mark (VmHWM) after the sync, so no sample can miss a spike. The
 * sync streams dashboards through a fixed pool and writes in batches, so the peak should not grow
 * with the track count: the figure to read is the ratio of the two peaks (1.00 = flat). The one
 * thing that does grow is the catalogue page itself (about 400 bytes a track), parsed in one piece.
 *
 * Knobs: BENCH_TRACKS ("1000,10000"), TRACK_SYNC_CONCURRENCY (16), BENCH_SYNCS (2: the second
 * sync finds every dashboard unchanged and is answered with 304s), BENCH_WORKER_HEAP_MIB (unset:
 * run the worker with `--max-old-space-size` to show what heap the sync really needs).
 */

const counts = (process.env["BENCH_TRACKS"] ?? "1000,10000").split(",").map(Number)
const concurrency = process.env["TRACK_SYNC_CONCURRENCY"] ?? "16"
const syncs = Number(process.env["BENCH_SYNCS"] ?? 2)
const workerHeapMiB = process.env["BENCH_WORKER_HEAP_MIB"]
const bin = join(import.meta.dirname, "..", "bin", "liverc-ingest.js")
const decodeCommand = Schema.decodeUnknownSync(Command)

/** VmRSS and VmHWM of a process, in MiB (Linux /proc). */
const memoryOf = (pid: number) => {
  const status = readFileSync(`/proc/${pid}/status`, "utf8")
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN) / 1024
  return { rss: field("VmRSS"), hwm: field("VmHWM") }
}

const startWorker = async (env: Record<string, string>) => {
  const heap = workerHeapMiB === undefined ? [] : [`--max-old-space-size=${workerHeapMiB}`]
  const child: ChildProcess = spawn(process.execPath, [...heap, bin, "worker"], {
    env: { ...process.env, ...env },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let log = ""
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`worker did not start:\n${log}`)), 60_000)
    const append = (chunk: Buffer) => {
      log = (log + chunk.toString("utf8")).slice(-20_000)
      if (log.includes("worker pool started")) {
        clearTimeout(timer)
        resolve()
      }
    }
    child.stdout?.on("data", append)
    child.stderr?.on("data", append)
    child.once("exit", (code) => reject(new Error(`worker exited with ${code}:\n${log}`)))
  })
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()))
  return {
    pid: child.pid!,
    log: () => log,
    stop: async () => {
      child.kill("SIGTERM")
      await exited
    }
  }
}

interface Run {
  readonly tracks: number
  readonly seconds: ReadonlyArray<number>
  readonly idleMiB: number
  readonly peakMiB: number
}

const runOnce = async (tracks: number): Promise<Run> => {
  const nats = await startNatsServer()
  const db = createTestDatabase("lri_bench")
  const sim = await startSimulator({ config: { tracks, latency: { fixedMs: 0 }, cacheMaxBytes: 16 * 1024 * 1024 } })
  const env = queueEnv(nats.url, {
    DATABASE_URL: db.url,
    LIVERC_TRACK_URL: sim.trackUrlTemplate,
    LIVERC_ROOT_URL: sim.url,
    LIVERC_RATE_PER_SEC: "10000",
    LIVERC_BURST: "1000",
    LIVERC_THROTTLE_BATCH: "64",
    // The simulator answers on one host; let the adaptive per-host limit sit above the pool.
    RACE_FETCH_START: "64",
    RACE_FETCH_MAX: "64",
    TRACK_SYNC_CONCURRENCY: concurrency,
    INGEST_ACK_WAIT: "30s",
    INGEST_JOB_TTL: "1h",
    WORKER_CONCURRENCY: "1"
  })
  const client = makeQueueClient(env)
  try {
    await client.runPromise(Effect.void)
    const worker = await startWorker(env)
    try {
      await new Promise((r) => setTimeout(r, 1_000))
      const idle = memoryOf(worker.pid).rss
      const seconds: Array<number> = []
      for (let i = 0; i < syncs; i++) {
        const command = decodeCommand({ v: 1, job_id: newJobId(), kind: "sync_tracks" })
        const started = performance.now()
        await client.runPromise(JobQueue.use((queue) => queue.enqueue(command)))
        const status: JobStatus = await waitForStatus(
          client,
          command.job_id,
          (s) => s.status === "completed" || s.status === "failed",
          600_000
        )
        if (status.status !== "completed") throw new Error(`sync failed: ${JSON.stringify(status)}\n${worker.log()}`)
        const result = status.result as { tracks: number; new: number; unchanged: number; failed: number }
        const expected = i === 0 ? result.new : result.unchanged
        if (result.tracks !== tracks || expected !== tracks || result.failed !== 0) {
          throw new Error(`sync ${i + 1} of ${tracks} tracks reported ${JSON.stringify(result)}`)
        }
        seconds.push((performance.now() - started) / 1000)
      }
      return { tracks, seconds, idleMiB: idle, peakMiB: memoryOf(worker.pid).hwm }
    } finally {
      await worker.stop()
    }
  } finally {
    await client.dispose()
    await sim.close()
    await nats.stop()
    db.drop()
  }
}

const runs: Array<Run> = []
for (const tracks of counts) {
  const run = await runOnce(tracks)
  runs.push(run)
  const rates = run.seconds.map((s, i) => `sync ${i + 1}: ${s.toFixed(1)} s, ${Math.round(tracks / s)} tracks/s`)
  console.log(
    `${String(tracks).padStart(6)} tracks | ${rates.join(" | ")} | worker RSS idle ${run.idleMiB.toFixed(0)} MiB, ` +
      `peak ${run.peakMiB.toFixed(0)} MiB (+${(run.peakMiB - run.idleMiB).toFixed(0)} MiB over idle)`
  )
}
const [small, large] = [runs[0], runs[runs.length - 1]]
if (small !== undefined && large !== undefined && small !== large) {
  console.log(
    `peak RSS ${large.tracks} vs ${small.tracks} tracks: ${large.peakMiB.toFixed(0)} / ${small.peakMiB.toFixed(0)} MiB = ` +
      `${(large.peakMiB / small.peakMiB).toFixed(2)}x for ${large.tracks / small.tracks}x the tracks ` +
      `(growth over idle: ${(large.peakMiB - large.idleMiB).toFixed(0)} vs ${(small.peakMiB - small.idleMiB).toFixed(0)} MiB)`
  )
}
