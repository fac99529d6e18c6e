import type { JobStatus } from "../src/jobs/JobStatus.ts"
import type { SimulatorStats } from "../src/sim/SimControl.ts"
import { startRig } from "../test/support/IngestRig.ts"

/**
 * `npm run bench:refresh`: how many LiveRC requests an event refresh costs (issue 17). One
 * `liverc-ingest worker` process and the simulator; a synthetic event of BENCH_RACES (32) races
 * (BENCH_EVENT, 740001, on track bench-refresh) is ingested at laps_full once, then:
 *   1. re-ingested unchanged                      target <= 2 requests
 *   2. refreshed after the event gained one race  target <= 3 requests
 *   3. re-ingested with `force: true`             every page again, the reference
 * and then the captured event 486677 (its real page cannot gain a race): ingested, re-ingested
 * unchanged.
 * Requests are the simulator's own counts of page requests (robots.txt, read once per track and
 * cached, is left out), printed by page kind. Before this change (commit e052e48, measured with
 * this bench) every event job fetched the event page, the entry list and every race page,
 * conditionally: 34 requests for the unchanged event (all 304) and 35 once it had 33 races (the
 * event page and the new race 200, the rest 304); it fetched no standings pages at all.
 */

const races = Number(process.env["BENCH_RACES"] ?? 32)
const eventId = process.env["BENCH_EVENT"] ?? "740001"
const track = "bench-refresh"
const before = { unchanged: 34, oneNewRace: 35 }
const target = { unchanged: 2, oneNewRace: 3 }

const rig = await startRig({ sim: { racesPerEvent: races } })

const pageRequests = (stats: SimulatorStats) => stats.total - (stats.byKind["robots"]?.total ?? 0)

const byKind = (stats: SimulatorStats) =>
  Object.entries(stats.byKind)
    .filter(([kind]) => kind !== "robots")
    .map(([kind, counts]) => {
      const statuses = Object.entries(counts.byStatus).map(([status, n]) => `${n}x${status}`).join("+")
      return `${kind} ${statuses}`
    })
    .join(", ")

const ingest = async (fields: Record<string, unknown> = {}) => {
  rig.sim.resetStats()
  const command = await rig.enqueue({ kind: "ingest_event", event_id: eventId, track_slug: track, depth: "laps_full", ...fields })
  const status: JobStatus = await rig.settled(command.job_id, 120_000)
  if (status.status !== "completed") throw new Error(`job ${status.job_id} ended ${status.status}: ${status.error_message}`)
  const stats = rig.sim.stats()
  return { requests: pageRequests(stats), kinds: byKind(stats), result: status.result as Record<string, unknown> }
}

const line = (name: string, run: Awaited<ReturnType<typeof ingest>>, limit?: number, was?: number) => {
  const skipped = run.result["pages_skipped"]
  const verdict = limit === undefined
    ? ""
    : `  target <= ${limit}: ${run.requests <= limit ? "met" : "MISSED"} (${(run.requests / limit).toFixed(2)}x the limit)` +
      `; before ${was} -> now ${run.requests}`
  console.log(`  ${name.padEnd(28)} ${String(run.requests).padStart(3)} requests${verdict}`)
  console.log(`  ${"".padEnd(28)} ${run.kinds}; pages_skipped ${skipped ?? "(not reported)"}`)
}

try {
  await rig.startWorker()
  const first = await ingest()
  const unchanged = await ingest()
  rig.sim.mutate({ kind: "event", id: eventId })
  const oneNewRace = await ingest()
  const forced = await ingest({ force: true })
  // The captured event: its real page (32 races, 8 standings pages), which cannot gain a race.
  const real = { event_id: "486677", track_slug: "canberraoffroad" }
  const realFirst = await ingest(real)
  const realUnchanged = await ingest(real)

  console.log(`bench:refresh  event ${eventId} (${races} races, synthetic), depth laps_full, 1 worker process`)
  line("first ingest", first)
  line("re-ingest unchanged", unchanged, target.unchanged, before.unchanged)
  line("refresh after one new race", oneNewRace, target.oneNewRace, before.oneNewRace)
  line("force: true", forced)
  console.log("  event 486677 (the captured page: 32 races, 8 standings pages)")
  line("first ingest", realFirst)
  line("re-ingest unchanged", realUnchanged, target.unchanged, before.unchanged)
} finally {
  await rig.close()
}
