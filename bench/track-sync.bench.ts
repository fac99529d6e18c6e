import { Effect, Schema } from "effect"
import { type ChildProcess, spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { createInterface } from "node:readline"
import { Command } from "../src/jobs/Commands.ts"
import type { JobStatus } from "../src/jobs/JobStatus.ts"
import { JobQueue } from "../src/queue/JobQueue.ts"
import { startSimulator } from "../src/sim/SimServer.ts"
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
 * start, and its kernel high-water mark (VmHWM) after the syncs, so no sample can miss a spike. The
 * sync streams dashboards through a fixed pool and writes in batches, so the peak should not grow
 * with the track count: the figure to read is the ratio of the two peaks (1.00 = flat). What does
 * grow is the catalogue (about 400 bytes of page and 150 of parsed row a track).
 *
 * RSS alone cannot tell live data from garbage V8 has not collected yet (it runs a full GC only
 * once the old generation has grown well past what survived the last one), so a probe loaded into
 * the worker also samples V8's heap every 20 ms and, after the syncs, forces a full GC: each run
 * prints the peak heap in use and the heap still live after the syncs. Nothing is forced before
 * them, as a full GC would reset the heap limits V8 grew during start-up.
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
const MiB = 1024 * 1024

/**
 * Loaded into the worker (`--import`): tracks the peak of V8's heap in use, and on SIGUSR2 forces a
 * full GC and prints the peak and what is still live.
 */
const memoryProbe = `
let peak = 0
setInterval(() => { peak = Math.max(peak, process.memoryUsage().heapUsed) }, 20).unref()
process.on("SIGUSR2", () => {
  const peakHeapUsed = Math.max(peak, process.memoryUsage().heapUsed)
  globalThis.gc()
  // A second collection, once weak callbacks have run, frees what the first only made collectable.
  setTimeout(() => {
    globalThis.gc()
    process.stderr.write("bench-memory " + JSON.stringify({ peakHeapUsed, liveHeap: process.memoryUsage().heapUsed }) + "\\n")
  }, 100)
})
`

/** VmRSS and VmHWM of a process, in MiB (Linux /proc). */
const memoryOf = (pid: number) => {
  const status = readFileSync(`/proc/${pid}/status`, "utf8")
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN) / 1024
  return { rss: field("VmRSS"), hwm: field("VmHWM") }
}

const startWorker = async (env: Record<string, string>) => {
  const heapLimit = workerHeapMiB === undefined ? [] : [`--max-old-space-size=${workerHeapMiB}`]
  const probe = ["--expose-gc", `--import=data:text/javascript,${encodeURIComponent(memoryProbe)}`]
  const child: ChildProcess = spawn(process.execPath, [...probe, ...heapLimit, bin, "worker"], {
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
  const reports: Array<{ peakHeapUsed: number; liveHeap: number }> = []
  createInterface({ input: child.stderr! }).on("line", (line) => {
    if (line.startsWith("bench-memory ")) reports.push(JSON.parse(line.slice("bench-memory ".length)))
  })
  /** V8's peak heap in use so far, and the heap live after a full GC, in MiB. */
  const heap = async () => {
    const seen = reports.length
    child.kill("SIGUSR2")
    const deadline = Date.now() + 30_000
    while (reports.length === seen) {
      if (Date.now() > deadline) throw new Error(`no memory report from the worker:\n${log}`)
      await new Promise((r) => setTimeout(r, 20))
    }
    const report = reports[reports.length - 1]!
    return { peakUsed: report.peakHeapUsed / MiB, live: report.liveHeap / MiB }
  }
  return {
    pid: child.pid!,
    log: () => log,
    heap,
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
  /** V8's heap: its peak in use, and what is live after the syncs. */
  readonly peakHeapMiB: number
  readonly liveHeapMiB: number
}

const runOnce = async (tracks: number): Promise<Run> => {
  const nats = await startNatsServer()
  const db = await createTestDatabase("lri_bench")
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
      const peak = memoryOf(worker.pid).hwm
      const heap = await worker.heap()
      return {
        tracks,
        seconds,
        idleMiB: idle,
        peakMiB: peak,
        peakHeapMiB: heap.peakUsed,
        liveHeapMiB: heap.live
      }
    } finally {
      await worker.stop()
    }
  } finally {
    await client.dispose()
    await sim.close()
    await nats.stop()
    await db.drop()
  }
}

const mib = (value: number) => `${value.toFixed(0)} MiB`
const runs: Array<Run> = []
for (const tracks of counts) {
  const run = await runOnce(tracks)
  runs.push(run)
  const rates = run.seconds.map((s, i) => `sync ${i + 1}: ${s.toFixed(1)} s, ${Math.round(tracks / s)} tracks/s`)
  console.log(
    `${String(tracks).padStart(6)} tracks | ${rates.join(" | ")} | worker RSS idle ${mib(run.idleMiB)}, ` +
      `peak ${mib(run.peakMiB)} (+${mib(run.peakMiB - run.idleMiB)} over idle) | V8 heap peak in use ` +
      `${mib(run.peakHeapMiB)}, live after the syncs ${mib(run.liveHeapMiB)}`
  )
}
const [small, large] = [runs[0], runs[runs.length - 1]]
if (small !== undefined && large !== undefined && small !== large) {
  const scale = `for ${large.tracks / small.tracks}x the tracks`
  console.log(
    `peak RSS ${large.tracks} vs ${small.tracks} tracks: ${mib(large.peakMiB)} / ${mib(small.peakMiB)} = ` +
      `${(large.peakMiB / small.peakMiB).toFixed(2)}x ${scale} ` +
      `(growth over idle: ${mib(large.peakMiB - large.idleMiB)} vs ${mib(small.peakMiB - small.idleMiB)})`
  )
  console.log(
    `peak V8 heap in use: ${mib(large.peakHeapMiB)} / ${mib(small.peakHeapMiB)} = ` +
      `${(large.peakHeapMiB / small.peakHeapMiB).toFixed(2)}x; live after the syncs ${mib(large.liveHeapMiB)} vs ` +
      `${mib(small.liveHeapMiB)}: the rest of a peak is garbage V8 had not collected yet`
  )
}
