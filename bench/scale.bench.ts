import { Effect } from "effect"
import { readFileSync } from "node:fs"
import { cpus } from "node:os"
import { IngestStreams } from "../src/queue/IngestStreams.ts"
import { type CliWorker, startRig } from "../test/support/IngestRig.ts"
import { statusOf } from "../test/support/QueueProbe.ts"

/**
 * `npm run bench:scale`: the chaos proof's workload (BENCH_EVENTS, 150, synthetic events of 3
 * races x 4 drivers x 5 laps at laps_full; simulator latency 20-80 ms and 5 % random 429s) ingested
 * by 1, 2 and 4 `liverc-ingest worker` processes (WORKER_CONCURRENCY 4 each) on one private
 * nats-server and one Postgres database, fresh event ids per run. Prints jobs/min, races/s and the
 * ratio to the 1-worker run, and, next to the measured time, what bounds it:
 *   - the global throttle: requests the run needed / LIVERC_RATE_PER_SEC (BENCH_RATE, 200; burst BENCH_BURST, 20) seconds;
 *   - job slots: workers x WORKER_CONCURRENCY over the mean time a job holds a slot (first
 *     `running` to `completed` in the job bucket), i.e. LiveRC latency plus throttle waits and writes;
 *   - CPU: the machine's busy share over the run (/proc/stat), the workers' own CPU seconds and
 *     those of their Postgres backends; on a 2-core machine the simulator (in this process),
 *     Postgres, NATS and the workers share the same two cores.
 * Completions are counted from a watch on the job bucket, not by polling, so the bench adds no
 * load of its own while it runs. A warm-up event is ingested first (not timed): a brand-new
 * throttle bucket starts one second in debt.
 */

const events = Number(process.env["BENCH_EVENTS"] ?? 150)
const rate = Number(process.env["BENCH_RATE"] ?? 200)
const burst = Number(process.env["BENCH_BURST"] ?? 20)
const perWorker = Number(process.env["BENCH_WORKER_CONCURRENCY"] ?? 4)
const workerCounts = (process.env["BENCH_WORKERS"] ?? "1,2,4").split(",").map(Number)
const racesPerEvent = 3
const ticksPerSecond = 100
const stallMillis = 60_000

const machineTicks = () => {
  const [, ...fields] = readFileSync("/proc/stat", "utf8").split("\n")[0]!.trim().split(/\s+/)
  const values = fields.map(Number)
  const idle = values[3]! + (values[4] ?? 0)
  return { total: values.reduce((a, b) => a + b, 0), idle }
}

const processSeconds = (pid: number) => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
    return (Number(fields[11]) + Number(fields[12])) / ticksPerSecond
  } catch {
    return 0
  }
}

const rig = await startRig({
  sim: {
    racesPerEvent,
    driversPerRace: 4,
    lapsPerDriver: 5,
    latency: { minMs: 20, maxMs: 80 },
    retryAfterSeconds: 1,
    faults: { rate429: 0.05, rate503: 0, resetRate: 0, hangRate: 0, truncateRate: 0, malformRate: 0 }
  },
  env: {
    LIVERC_RATE_PER_SEC: String(rate),
    LIVERC_BURST: String(burst),
    LIVERC_MAX_ATTEMPTS: "8",
    LIVERC_RETRY_BASE: "200 millis",
    LIVERC_RETRY_MAX: "2 seconds",
    WORKER_CONCURRENCY: String(perWorker),
    INGEST_MAX_CONCURRENT: String(perWorker * Math.max(...workerCounts)),
    INGEST_ACK_WAIT: "30s",
    INGEST_MAX_DELIVER: "10"
  }
})

/** Job ids whose status has been written `completed`, as the bucket reports them. */
const completed = new Set<string>()
/** When each job was first seen running and when it completed: its time in a worker slot. */
const firstRunning = new Map<string, number>()
const slotSeconds = new Map<string, number>()
const jobs = await rig.client.runPromise(IngestStreams.use(({ jobs }) => Effect.succeed(jobs)))
const watch = await jobs.watch({ include: "updates" })
void (async () => {
  for await (const entry of watch) {
    if (entry.operation !== "PUT") continue
    const { status } = entry.json<{ status: string }>()
    if (status === "running" && !firstRunning.has(entry.key)) firstRunning.set(entry.key, performance.now())
    if (status === "completed" && !completed.has(entry.key)) {
      completed.add(entry.key)
      slotSeconds.set(entry.key, (performance.now() - (firstRunning.get(entry.key) ?? performance.now())) / 1000)
    }
  }
})()

/** CPU seconds of the Postgres backends serving the bench database (the workers' pools). */
const postgresSeconds = async () => {
  const backends = await rig.admin.query<{ pid: number }>(
    "SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'liverc-ingest-worker'",
    [rig.db.name]
  )
  return backends.reduce((sum, backend) => sum + processSeconds(backend.pid), 0)
}

let nextEventId = 840_001

const run = async (eventCount: number) => {
  const eventIds = Array.from({ length: eventCount }, () => String(nextEventId++))
  rig.sim.resetStats()
  const cpuBefore = machineTicks()
  const started = performance.now()
  const commands = await Promise.all(eventIds.map((eventId) =>
    rig.enqueue({ kind: "ingest_event", event_id: eventId, track_slug: `scale-${Number(eventId) % 5}`, depth: "laps_full" })
  ))
  let done = 0
  let progressed = performance.now()
  while (done < commands.length) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    const now = commands.filter((command) => completed.has(command.job_id)).length
    if (now > done) progressed = performance.now()
    done = now
    if (performance.now() - progressed > stallMillis) {
      const stuck = commands.filter((command) => !completed.has(command.job_id)).slice(0, 3)
      const statuses = await Promise.all(stuck.map((command) => statusOf(rig.client, command.job_id)))
      throw new Error(`no job completed for ${stallMillis / 1000} s (${done}/${commands.length}); e.g. ${JSON.stringify(statuses)}`)
    }
  }
  const seconds = (performance.now() - started) / 1000
  const cpuAfter = machineTicks()
  const busy = 1 - (cpuAfter.idle - cpuBefore.idle) / (cpuAfter.total - cpuBefore.total)
  const meanJobSeconds = commands.reduce((sum, command) => sum + (slotSeconds.get(command.job_id) ?? 0), 0) / commands.length
  return { seconds, busy, meanJobSeconds, stats: rig.sim.stats() }
}

const fmt = (n: number, digits = 1) => n.toFixed(digits)

try {
  const warmUp = await rig.startWorker()
  await run(1)
  await warmUp.terminate()

  console.log(
    `bench:scale  ${events} events x ${racesPerEvent} races (4 drivers x 5 laps, laps_full), sim latency 20-80 ms, 5 % 429s,` +
      ` LIVERC_RATE_PER_SEC ${rate} + burst ${burst}, WORKER_CONCURRENCY ${perWorker}, ${cpus().length} cores, 1 nats-server`
  )
  let baseline: number | undefined
  for (const count of workerCounts) {
    const workers: Array<CliWorker> = await Promise.all(Array.from({ length: count }, () => rig.startWorker()))
    const cpuBefore = workers.map((worker) => processSeconds(worker.pid))
    const result = await run(events).catch((error) => {
      for (const worker of workers) console.error(`--- worker ${worker.pid}:\n${worker.output().slice(-3000)}`)
      throw error
    })
    const workerCpu = workers.reduce((sum, worker, i) => sum + processSeconds(worker.pid) - cpuBefore[i]!, 0)
    // The workers are fresh, so their backends' whole CPU time is this run's.
    const postgresCpu = await postgresSeconds()
    await Promise.all(workers.map((worker) => worker.terminate()))

    const jobsPerMin = (events * 60) / result.seconds
    baseline ??= jobsPerMin
    const throttleSeconds = result.stats.total / rate
    const slots = count * perWorker
    // Every slot busy all the time: slots / mean time a job holds one.
    const slotBound = (slots * 60) / result.meanJobSeconds
    const bound = throttleSeconds / result.seconds > 0.8
      ? "the throttle"
      : result.busy > 0.85
      ? "CPU (the machine's cores are saturated; the slots wait on the event loop)"
      : jobsPerMin > 0.8 * slotBound
      ? "job slots x LiveRC latency (add workers or WORKER_CONCURRENCY)"
      : "none of these (queue hand-off / start-up)"
    console.log(
      `  ${count} worker${count === 1 ? " " : "s"}: ${fmt(result.seconds, 2)} s, ${fmt(jobsPerMin)} jobs/min,` +
        ` ${fmt((events * racesPerEvent) / result.seconds)} races/s, x${fmt(jobsPerMin / baseline, 2)} vs 1 worker`
    )
    console.log(
      `      throttle: ${result.stats.total} requests (${result.stats.byStatus["429"] ?? 0} answered 429) / ${rate} per s` +
        ` = ${fmt(throttleSeconds, 2)} s minimum (${fmt(100 * throttleSeconds / result.seconds)} % of the measured time);` +
        ` max ${result.stats.maxRequestsInAnySecond} requests in any second (bound ${rate + burst})`
    )
    console.log(
      `      slots: ${slots} x mean ${fmt(result.meanJobSeconds, 3)} s per job -> at most ${fmt(slotBound)} jobs/min`
    )
    console.log(
      `      CPU: machine ${fmt(100 * result.busy)} % busy over the run (${cpus().length} cores, shared with the` +
        ` simulator and anything else running); workers ${fmt(workerCpu, 2)} CPU s (${fmt(workerCpu / result.seconds, 2)} cores),` +
        ` Postgres backends ${fmt(postgresCpu, 2)} CPU s (${fmt(postgresCpu / result.seconds, 2)} cores)`
    )
    console.log(`      bounded by: ${bound}`)
  }
} finally {
  watch.stop()
  await rig.close()
}
