import { monitorEventLoopDelay } from "node:perf_hooks"
import { startSimulator } from "../src/sim/SimServer.ts"
import { sampleArrivals } from "../test/support/ArrivalSampler.ts"
import { startNatsServer } from "../test/support/NatsTestServer.ts"
import { busiestWindow, spawnThrottleWorker, startTogether } from "../test/support/ThrottleWorkers.ts"

/**
 * The global throttle under load: P worker processes (1, 2, 4) x C concurrent fetch loops against
 * the simulator at a rate R for the whole deployment. Per run it prints the rate the simulator
 * saw (steady state: from 1 s after the first request), the busiest sliding 1-second window the
 * simulator saw and the busiest one of the workers' send times (the throttle's output before the
 * wire) against the bound R + B, utilisation (achieved / R), CAS conflicts and CAS reservations
 * per granted token, reserved tokens that lapsed unused, and the worst stall of the simulator's
 * event loop (its count is only as exact as that). Each run gets a fresh nats-server and simulator.
 *
 *   npm run bench:throttle                          # R=20, B=3, C=8, P=1,2,4, 10 s each
 *   BENCH_RATE=50 BENCH_BURST=5 BENCH_SECONDS=15 BENCH_PROCESSES=1,4,8 npm run bench:throttle
 */

const rate = Number(process.env["BENCH_RATE"] ?? "20")
const burst = Number(process.env["BENCH_BURST"] ?? "3")
const seconds = Number(process.env["BENCH_SECONDS"] ?? "10")
const concurrency = Number(process.env["BENCH_CONCURRENCY"] ?? "8")
const batch = process.env["BENCH_BATCH"]
const processCounts = (process.env["BENCH_PROCESSES"] ?? "1,2,4").split(",").map(Number)

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

const run = async (processes: number) => {
  const nats = await startNatsServer()
  const sim = await startSimulator()
  const sampler = sampleArrivals(() => sim.stats().total, 25)
  // The simulator stamps a request when its handler runs: a stall of this process bunches
  // arrivals into one instant, so the busiest window is only as exact as this loop is punctual.
  const loopDelay = monitorEventLoopDelay({ resolution: 5 })
  try {
    // The smallest page (robots.txt): the simulator's CPU goes to counting, not rendering.
    const url = `${sim.trackUrl("canberraoffroad")}/robots.txt`
    // +1.5 s: a brand-new bucket starts ~1 s in debt, and the first second (the burst) is skipped.
    const durationMs = seconds * 1000 + 1500
    const env: Record<string, string> = {
      NATS_URL: nats.url,
      LIVERC_RATE_PER_SEC: String(rate),
      LIVERC_BURST: String(burst),
      ...(batch === undefined ? {} : { LIVERC_THROTTLE_BATCH: batch })
    }
    const workers = Array.from(
      { length: processes },
      () => spawnThrottleWorker({ url, concurrency, durationMs }, env)
    )
    await startTogether(workers)
    let first = sampler.firstArrival()
    while (first === null) {
      await sleep(10)
      first = sampler.firstArrival()
    }
    loopDelay.enable()
    const results = await Promise.all(workers.map((worker) => worker.done))
    const steady = sampler.countBetween(first + 1000, first + 1000 + (seconds - 1) * 1000) / (seconds - 1)
    const groups = results.flatMap((result) => result?.groups ?? [])
    const sum = (pick: (group: (typeof groups)[number]) => number) =>
      groups.reduce((total, group) => total + pick(group), 0)
    const granted = sum((g) => g.granted)
    const stats = sim.stats()
    return {
      processes,
      steady,
      maxWindow: stats.maxRequestsInAnySecond,
      maxSent: busiestWindow(results.flatMap((result) => result?.sentAt ?? [])),
      utilisation: steady / rate,
      conflictsPerGrant: sum((g) => g.conflicts) / granted,
      casPerGrant: sum((g) => g.reservations) / granted,
      lapsed: sum((g) => g.lapsed),
      stallMs: loopDelay.max / 1e6
    }
  } finally {
    loopDelay.disable()
    sampler.stop()
    await sim.close()
    await nats.stop()
  }
}

const pad = (value: string, width: number) => value.padStart(width)
console.log(
  `throttle bench: R=${rate}/s B=${burst} (bound ${rate + burst} per 1 s window), C=${concurrency} per process, ` +
    `${seconds} s per run${batch === undefined ? "" : `, batch ${batch}`}`
)
console.log(
  [
    pad("P", 3),
    pad("achieved/s", 11),
    pad("sim max 1s", 11),
    pad("sent max 1s", 12),
    pad("bound", 6),
    pad("util", 7),
    pad("conflicts/grant", 16),
    pad("CAS/grant", 10),
    pad("lapsed", 7),
    pad("sim stall", 10),
    pad("verdict", 22)
  ].join(" ")
)
let failed = false
for (const processes of processCounts) {
  const r = await run(processes)
  const withinBound = r.maxWindow <= rate + burst
  const utilised = r.utilisation >= 0.95
  failed ||= !withinBound || !utilised
  console.log(
    [
      pad(String(r.processes), 3),
      pad(r.steady.toFixed(2), 11),
      pad(String(r.maxWindow), 11),
      pad(String(r.maxSent), 12),
      pad(String(rate + burst), 6),
      pad(`${(r.utilisation * 100).toFixed(1)}%`, 7),
      pad(r.conflictsPerGrant.toFixed(3), 16),
      pad(r.casPerGrant.toFixed(3), 10),
      pad(String(r.lapsed), 7),
      pad(`${r.stallMs.toFixed(0)} ms`, 10),
      pad(`${withinBound ? "within bound" : "ABOVE BOUND"}${utilised ? "" : ", util<95%"}`, 22)
    ].join(" ")
  )
}
process.exitCode = failed ? 1 : 0
