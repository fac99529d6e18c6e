import { spawn } from "node:child_process"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { Schema } from "effect"
import { Command } from "../src/jobs/Commands.ts"
import { JobQueue } from "../src/queue/JobQueue.ts"
import { startNatsServer } from "../test/support/NatsTestServer.ts"
import { makeQueueClient, newJobId, queueEnv } from "../test/support/QueueHarness.ts"
import { waitForStatus } from "../test/support/QueueProbe.ts"
import { startServer } from "../test/support/ServerProcess.ts"
import { startSimProcess } from "../test/support/SimProcess.ts"
import { createTestDatabase } from "../test/support/TestDatabase.ts"

/**
 * `npm run bench:footprint`: resident memory where users meet it (issue 17).
 *
 * Part 1: `liverc-ingest start` (gateway and worker in one process, as shipped) ingesting event
 * 486677 (canberraoffroad, laps_full: 32 races, entry list, standings pages) from the simulator,
 * which runs in its own process so none of its memory is counted. One unmeasured start comes
 * first (it fills Node's compile cache, as the service's previous start would have). Prints the process's peak RSS
 * (VmHWM: start-up, idle and the ingest) next to the 150 MB target, and where the memory is at
 * the peak: V8's heap of the main thread (total and in use), external memory and array buffers
 * as process.memoryUsage() sees them (sampled every 10 ms by a probe loaded with --import), and
 * the rest (code, native allocations, parse-thread isolates).
 *
 * Part 2: `liverc-ingest parse track-catalogue` of the captured 0.87 MB catalogue page, run as a
 * user runs it: BENCH_RUNS times after one unmeasured run (which fills Node's compile cache); the
 * peak RSS of each run (VmHWM, read by an --import probe as the process exits) next to the 60 MiB
 * target, median of the runs. The output is checked (1,090 tracks).
 *
 * Knobs: BENCH_RUNS (5), BENCH_DEPTH (laps_full).
 */

const runs = Number(process.env["BENCH_RUNS"] ?? 5)
const depth = process.env["BENCH_DEPTH"] ?? "laps_full"
const root = join(import.meta.dirname, "..")
const bin = join(root, "bin", "liverc-ingest.js")
const cataloguePage = join(root, "..", "shared", "liverc", "track_catalogue.html")
const MB = 1e6
const MiB = 1024 * 1024
const SERVICE_TARGET_MB = 150
const PARSE_TARGET_MIB = 60

const decodeCommand = Schema.decodeUnknownSync(Command)
const fmt = (n: number, digits = 1) => n.toFixed(digits)
const median = (values: ReadonlyArray<number>) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor((sorted.length - 1) / 2)]!
}

/** VmRSS and VmHWM of a process, in bytes (Linux /proc). */
const memoryOf = (pid: number) => {
  const status = readFileSync(`/proc/${pid}/status`, "utf8")
  const field = (name: string) => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, "m").exec(status)?.[1] ?? Number.NaN) * 1024
  return { rss: field("VmRSS"), hwm: field("VmHWM"), threads: Number(/^Threads:\s+(\d+)/m.exec(status)?.[1] ?? Number.NaN) }
}

/**
 * Loaded into the service's main thread (NODE_OPTIONS --import): keeps the memoryUsage() sample
 * taken at the highest RSS seen, and prints it on SIGUSR2.
 */
const serviceProbe = `
import { isMainThread } from "node:worker_threads"
if (isMainThread) {
  let atPeak = process.memoryUsage()
  setInterval(() => {
    const now = process.memoryUsage()
    if (now.rss > atPeak.rss) atPeak = now
  }, 10).unref()
  process.on("SIGUSR2", () => process.stderr.write("bench-memory " + JSON.stringify(atPeak) + "\\n"))
}
`

/** Loaded into a CLI run (NODE_OPTIONS --import): its peak RSS, printed on stderr as it exits. */
const exitProbe = `
import { readFileSync } from "node:fs"
import { isMainThread } from "node:worker_threads"
if (isMainThread) {
  process.on("exit", () => {
    const status = readFileSync("/proc/self/status", "utf8")
    process.stderr.write("bench-hwm " + /^VmHWM:\\s+(\\d+) kB/m.exec(status)[1] + "\\n")
  })
}
`

const importOption = (source: string) => `--import=data:text/javascript,${encodeURIComponent(source)}`

const partOne = async () => {
  const nats = await startNatsServer()
  const db = await createTestDatabase("lri_bench")
  const sim = await startSimProcess({})
  const env = queueEnv(nats.url, {
    DATABASE_URL: db.url,
    LIVERC_TRACK_URL: sim.trackUrlTemplate,
    LIVERC_ROOT_URL: sim.url,
    LIVERC_RATE_PER_SEC: "1000",
    LIVERC_BURST: "100",
    INGEST_ACK_WAIT: "30s",
    NODE_OPTIONS: importOption(serviceProbe)
  })
  const client = makeQueueClient({ ...env, NODE_OPTIONS: "" })
  let server: Awaited<ReturnType<typeof startServer>> | undefined
  try {
    // Unmeasured: a first start fills Node's compile cache, as any earlier start on the machine would have.
    await (await startServer(env)).kill()
    server = await startServer(env)
    const pid = server.pid
    const idle = memoryOf(pid)
    const samples: Array<number> = []
    const sampler = setInterval(() => {
      try {
        samples.push(memoryOf(pid).rss)
      } catch {
        // The process is gone; the job's outcome says why.
      }
    }, 10)
    const command = decodeCommand({
      v: 1,
      job_id: newJobId(),
      kind: "ingest_event",
      event_id: "486677",
      track_slug: "canberraoffroad",
      depth
    })
    const started = performance.now()
    await client.runPromise(JobQueue.use((queue) => queue.enqueue(command)))
    const status = await waitForStatus(
      client,
      command.job_id,
      (s) => s.status === "completed" || s.status === "failed" || s.status === "cancelled",
      300_000
    )
    const seconds = (performance.now() - started) / 1000
    clearInterval(sampler)
    if (status.status !== "completed") throw new Error(`the ingest ended ${status.status}: ${status.error_message}`)
    const after = memoryOf(pid)
    const stats = await sim.stats()
    // The probe's sample at the process's highest RSS, asked for through the log.
    const before = server.output().length
    process.kill(pid, "SIGUSR2")
    const deadline = Date.now() + 10_000
    while (!server.output().slice(before).includes("bench-memory ")) {
      if (Date.now() > deadline) throw new Error("no memory report from the service")
      await new Promise((resolve) => setTimeout(resolve, 20))
    }
    const line = server.output().slice(before).split("\n").find((l) => l.startsWith("bench-memory "))!
    const atPeak = JSON.parse(line.slice("bench-memory ".length)) as NodeJS.MemoryUsage
    const peak = after.hwm
    console.log(
      `part 1: liverc-ingest start (gateway + worker, one process) ingesting event 486677 at ${depth} from the simulator ` +
        `(own process, not counted)`
    )
    console.log(`  ingest: ${status.status} in ${fmt(seconds, 2)} s, ${stats.total} requests`)
    console.log(
      `  RSS: idle before the job ${fmt(idle.rss / MB)} MB, peak ${fmt(peak / MB)} MB (${fmt(peak / MiB)} MiB, VmHWM), ` +
        `right after ${fmt(after.rss / MB)} MB, ${after.threads} threads`
    )
    console.log(
      `  at the peak sample (${fmt(atPeak.rss / MB)} MB): main-thread V8 heap ${fmt(atPeak.heapTotal / MB)} MB ` +
        `(${fmt(atPeak.heapUsed / MB)} in use), external ${fmt(atPeak.external / MB)} MB ` +
        `(array buffers ${fmt(atPeak.arrayBuffers / MB)}), rest ${fmt((atPeak.rss - atPeak.heapTotal - atPeak.external) / MB)} MB ` +
        `(code, native, thread isolates)`
    )
    console.log(`  peak RSS / ${SERVICE_TARGET_MB} MB target: ratio ${fmt(peak / MB / SERVICE_TARGET_MB, 2)} (<= 1 meets it)`)
  } finally {
    await server?.kill()
    await client.dispose()
    await sim.close()
    await db.drop()
    await nats.stop()
  }
}

const parseRun = () =>
  new Promise<{ readonly hwm: number; readonly tracks: number }>((resolve, reject) => {
    const child = spawn(process.execPath, [bin, "parse", "track-catalogue", cataloguePage], {
      env: { ...process.env, NODE_OPTIONS: importOption(exitProbe) },
      stdio: ["ignore", "pipe", "pipe"]
    })
    const out: Array<Buffer> = []
    let err = ""
    child.stdout.on("data", (chunk: Buffer) => out.push(chunk))
    child.stderr.on("data", (chunk: Buffer) => (err += chunk.toString("utf8")))
    child.once("close", (code) => {
      const hwm = /^bench-hwm (\d+)$/m.exec(err)
      if (code !== 0 || hwm === null) return reject(new Error(`parse exited ${code}: ${err}`))
      const parsed = JSON.parse(Buffer.concat(out).toString("utf8")) as { readonly tracks: ReadonlyArray<unknown> }
      resolve({ hwm: Number(hwm[1]) * 1024, tracks: parsed.tracks.length })
    })
  })

const partTwo = async () => {
  await parseRun()
  const results: Array<{ readonly hwm: number; readonly tracks: number }> = []
  for (let i = 0; i < runs; i++) results.push(await parseRun())
  for (const result of results) {
    if (result.tracks !== 1090) throw new Error(`parse track-catalogue printed ${result.tracks} tracks, expected 1090`)
  }
  const peak = median(results.map((r) => r.hwm))
  console.log(`part 2: liverc-ingest parse track-catalogue (${fmt(readFileSync(cataloguePage).length / MB, 2)} MB page, 1,090 tracks)`)
  console.log(
    `  peak RSS (VmHWM) of ${runs} runs: ${results.map((r) => fmt(r.hwm / MiB)).join(", ")} MiB; median ${fmt(peak / MiB)} MiB ` +
      `-> ratio ${fmt(peak / MiB / PARSE_TARGET_MIB, 2)} to the ${PARSE_TARGET_MIB} MiB target (<= 1 meets it)`
  )
}

await partOne()
await partTwo()
