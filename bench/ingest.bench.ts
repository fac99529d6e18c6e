import { Effect } from "effect"
import { parseRaceResult } from "../src/liverc/RaceResultParser.ts"
import { rowCounts, startRig } from "../test/support/IngestRig.ts"

/**
 * `npm run bench:ingest`: BENCH_EVENTS (K, 5) synthetic events of BENCH_RACES (R, 40) races each,
 * every page answered after BENCH_LATENCY_MS (L, 200 ms fixed) by the simulator, ingested at
 * BENCH_DEPTH (laps_full) by ONE `liverc-ingest worker` process running all K jobs at once, with
 * the global throttle out of the way (LIVERC_RATE_PER_SEC 10000) and the simulator unlimited.
 *
 * The bound: every request to the one simulator host holds a permit of that host's adaptive limit
 * for at least L, and the limit never exceeds RACE_FETCH_MAX (cap, 16) in the whole process, so
 * at most cap / L requests per second complete. Race pages are K * R of the run's N requests (each
 * job also fetches its event page, its entry list and the standings pages its event page links),
 * so
 *     bound (races/s) = cap / L * K * R / N.
 * The limit starts at RACE_FETCH_START (8) and, in slow start, grows by one per fast answer, so it
 * reaches the cap within the first round trip of race pages. Two round trips come before any race
 * page can be asked for (the track's robots.txt, then the event page that lists the races), and
 * every answer is read, and race pages parsed, on the worker's one thread: the profile of requests
 * in flight per quarter second printed below shows where a run sits below the cap.
 * A warm-up event is ingested first by another worker process (not timed): a brand-new throttle
 * bucket starts one second in debt, a once-per-deployment cost that is not the pipeline's speed.
 * The timed worker is then a fresh process (its limit back at the start value).
 *
 * Parsing runs on the worker's one JavaScript thread, between the network waits, so the bench also
 * prints what parsing one race page costs there: it bounds races/s too (1000 / ms per page).
 *
 * Then the same K events again, unchanged: each job asks for its event page alone, which answers
 * 304 (no body), so the figures are the requests, the 304 share and the bytes transferred next to
 * the first run.
 */

const events = Number(process.env["BENCH_EVENTS"] ?? 5)
const races = Number(process.env["BENCH_RACES"] ?? 40)
const latencyMs = Number(process.env["BENCH_LATENCY_MS"] ?? 200)
const depth = process.env["BENCH_DEPTH"] ?? "laps_full"
const cap = Number(process.env["RACE_FETCH_MAX"] ?? 16)
const start = Number(process.env["RACE_FETCH_START"] ?? 8)

const rig = await startRig({
  sim: { racesPerEvent: races, latency: { fixedMs: latencyMs } },
  env: {
    LIVERC_RATE_PER_SEC: "10000",
    LIVERC_BURST: "1000",
    LIVERC_THROTTLE_BATCH: "64",
    RACE_FETCH_MAX: String(cap),
    RACE_FETCH_START: String(start),
    WORKER_CONCURRENCY: String(events),
    INGEST_MAX_CONCURRENT: String(Math.max(events, 4)),
    INGEST_ACK_WAIT: "30s"
  }
})

const run = async (eventIds: ReadonlyArray<string>) => {
  rig.sim.resetStats()
  // When the simulator saw the first request arrive and the last one end.
  let firstArrival: number | null = null
  let lastBusy = 0
  // In-flight samples per quarter second: where the run spends its time below the cap.
  const profile: Array<Array<number>> = []
  const watch = setInterval(() => {
    const stats = rig.sim.stats()
    if (firstArrival === null && stats.total > 0) firstArrival = performance.now()
    if (stats.inFlight > 0) lastBusy = performance.now()
    ;(profile[Math.floor((performance.now() - started) / 250)] ??= []).push(stats.inFlight)
  }, 5)
  const started = performance.now()
  const commands = await Promise.all(
    eventIds.map((eventId) => rig.enqueue({ kind: "ingest_event", event_id: eventId, track_slug: "bench-track", depth }))
  )
  const statuses = await Promise.all(commands.map((command) => rig.settled(command.job_id, 600_000)))
  const finished = performance.now()
  clearInterval(watch)
  const seconds = (finished - started) / 1000
  const phases = {
    beforeFirstRequest: ((firstArrival ?? finished) - started) / 1000,
    afterLastAnswer: (finished - Math.max(lastBusy, firstArrival ?? started)) / 1000
  }
  for (const status of statuses) {
    if (status.status !== "completed") throw new Error(`job ${status.job_id} ended ${status.status}: ${status.error_message}`)
  }
  const inFlight = Array.from(profile, (samples) =>
    samples === undefined ? 0 : samples.reduce((sum, n) => sum + n, 0) / samples.length
  )
  return { seconds, phases, stats: rig.sim.stats(), statuses, inFlight }
}

/** Milliseconds to parse one of the served race pages, after a warm-up, on this thread. */
const parseCost = async () => {
  const url = `${rig.sim.trackUrl("bench-track")}/results/?p=view_race_result&id=${73_000_101}`
  const body = await (await fetch(url)).text()
  for (let i = 0; i < 20; i++) Effect.runSync(parseRaceResult(body, url))
  const started = performance.now()
  for (let i = 0; i < 50; i++) Effect.runSync(parseRaceResult(body, url))
  return (performance.now() - started) / 50
}

try {
  const warmUp = await rig.startWorker()
  await run(["739999"])
  await warmUp.terminate()
  await rig.startWorker()
  const eventIds = Array.from({ length: events }, (_, index) => String(730_001 + index))
  const warm = await rowCounts(rig.sql)
  const first = await run(eventIds)
  const stored = await rowCounts(rig.sql)
  const counts = Object.fromEntries(Object.entries(stored).map(([table, n]) => [table, n - (warm[table] ?? 0)]))
  const again = await run(eventIds)

  const racePages = events * races
  const requests = first.stats.total
  const racesPerSecond = racePages / first.seconds
  const requestBound = cap / (latencyMs / 1000)
  const raceBound = requestBound * racePages / requests
  const busy = (requests * latencyMs) / 1000 / first.seconds
  const parseMs = await parseCost()
  const fmt = (n: number, digits = 1) => n.toFixed(digits)

  console.log(`bench:ingest  K=${events} events x R=${races} races, L=${latencyMs} ms fixed, depth ${depth}, 1 worker process`)
  console.log(`  RACE_FETCH_MAX (cap) ${cap}, RACE_FETCH_START ${start}, LIVERC_RATE_PER_SEC 10000 (not limiting)`)
  console.log(
    `  stored: ${counts["races"]} races, ${counts["race_results"]} results, ${counts["laps"]} laps; ${requests} requests`
  )
  console.log(
    `  first ingest:  ${fmt(first.seconds, 2)} s (enqueue -> all completed), ${fmt(racesPerSecond)} races/s`
  )
  console.log(
    `    of which ${fmt(first.phases.beforeFirstRequest, 2)} s before the first request (pull, claim, lookups)` +
      ` and ${fmt(first.phases.afterLastAnswer, 2)} s after the last answer (last parses, writes, status)`
  )
  console.log(
    `  bound: cap / L * K * R / N = ${cap} / ${latencyMs / 1000} s * ${racePages}/${requests} = ${fmt(raceBound)} races/s` +
      ` -> ratio ${fmt(racesPerSecond / raceBound, 2)}`
  )
  console.log(
    `  simulator saw: peak ${first.stats.peakConcurrency} in flight, mean ${fmt(busy)} (requests x L / elapsed),` +
      ` ${first.stats.bytesSent} bytes sent`
  )
  console.log(`  mean in flight per 0.25 s: ${first.inFlight.map((n) => n.toFixed(0)).join(" ")}`)
  console.log(
    `  parsing one race page here: ${fmt(parseMs, 2)} ms on one thread -> at most ${fmt(1000 / parseMs)} races/s` +
      ` from parsing alone, in the same thread as the network I/O`
  )
  const notModified = again.stats.notModified
  console.log(
    `  re-ingest unchanged: ${fmt(again.seconds, 2)} s, ${notModified}/${again.stats.total} requests answered 304,` +
      ` ${again.stats.bytesSent} bytes vs ${first.stats.bytesSent} (${fmt((100 * again.stats.bytesSent) / first.stats.bytesSent, 2)} %),` +
      ` ${again.stats.total} requests vs ${requests}`
  )
} finally {
  await rig.close()
}
