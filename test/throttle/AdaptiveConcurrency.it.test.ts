import { ConfigProvider, Effect, Fiber, Layer } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { JobContext } from "../../src/actors/JobHandler.ts"
import { NatsClient } from "../../src/broker/NatsClient.ts"
import type { IngestEventCommand, JobId } from "../../src/jobs/Commands.ts"
import type { LiveRcId, TrackSlug } from "../../src/liverc/LiveRcIds.ts"
import { IngestEvent } from "../../src/pipeline/IngestEvent.ts"
import { LiveRcAccessLive, PersistenceLive } from "../../src/pipeline/PipelineHandlers.ts"
import { AdaptiveConcurrency } from "../../src/throttle/AdaptiveConcurrency.ts"
import { type IngestRig, startRig } from "../support/IngestRig.ts"
import { newJobId } from "../support/QueueHarness.ts"
import { sleep } from "../support/QueueProbe.ts"

/**
 * The per-host adaptive fetch limit against the simulator: it halves on 429s and grows back while
 * jobs run, and the jobs already running feel each change on their next request. Concurrency is
 * measured where LiveRC would see it: requests in flight at the simulator.
 */

interface Sample {
  readonly at: number
  readonly inFlight: number
}

/** Requests in flight at the simulator, every `everyMs`. */
const sampleInFlight = (rig: IngestRig, everyMs = 20) => {
  const samples: Array<Sample> = []
  const timer = setInterval(() => samples.push({ at: performance.now(), inFlight: rig.sim.stats().inFlight }), everyMs)
  return {
    samples,
    stop: () => clearInterval(timer),
    /** Most requests in flight at any sample in [from, to). */
    peak: (from: number, to: number) =>
      samples.filter((s) => s.at >= from && s.at < to).reduce((max, s) => Math.max(max, s.inFlight), 0)
  }
}

describe("adaptive fetch concurrency", () => {
  let rig: IngestRig

  beforeAll(async () => {
    // 80 races per event at 250 ms a page; the throttle allows 1000 requests/s, so only the
    // adaptive limit bounds what is in flight.
    rig = await startRig({ sim: { racesPerEvent: 80, latency: { fixedMs: 250 } } })
  })
  afterAll(async () => {
    await rig?.close()
  })

  it("drops the concurrency LiveRC sees within 2 s of a wave of 429s, recovers after it, and completes the jobs", async () => {
    await rig.startWorker({ RACE_FETCH_START: "16", LIVERC_MAX_ATTEMPTS: "20" })
    const sampler = sampleInFlight(rig)
    try {
      const commands = await Promise.all(["720001", "720002", "720003"].map((eventId) =>
        rig.enqueue({ kind: "ingest_event", event_id: eventId, track_slug: "sim-busy", depth: "summary" })
      ))
      // Steady state at the cap (RACE_FETCH_MAX, 16) first: 48 race fibers want a permit.
      await waitUntil(() => sampler.peak(performance.now() - 500, performance.now()) >= 16)
      const before = 16

      rig.sim.configure({ faults: { rate429: 0.5 } })
      const wave = performance.now()
      await sleep(3000)
      rig.sim.configure({ faults: { rate429: 0 } })
      const waveEnd = performance.now()

      const statuses = await Promise.all(commands.map((command) => rig.settled(command.job_id, 60_000)))
      const finished = performance.now()
      sampler.stop()
      for (const status of statuses) expect(status).toMatchObject({ status: "completed", result: { races: 80 } })
      expect(rig.sim.stats().byStatus["429"]).toBeGreaterThan(10)

      // Within 2 s of the first 429s, in flight is at most half of what it was.
      const dropped = sampler.samples.find((s) => s.at > wave && sampler.peak(s.at, s.at + 500) <= before / 2)
      expect(dropped, JSON.stringify({ before, samples: sampler.samples.filter((s) => s.at > wave - 200 && s.at < waveEnd) }))
        .toBeDefined()
      expect(dropped!.at - wave).toBeLessThan(2000)
      // Lowest level reached during the wave, then back up well above it once the 429s stopped.
      const low = Math.max(1, sampler.peak(waveEnd - 500, waveEnd))
      const recovered = sampler.peak(waveEnd, finished)
      expect(recovered, JSON.stringify({ before, low, recovered })).toBeGreaterThanOrEqual(Math.max(2 * low, 8))
    } finally {
      sampler.stop()
      rig.sim.configure({ faults: { rate429: 0 } })
    }
  })

  it("applies each change of the limit to the very next requests of an ingest already running", async () => {
    const env = { ...rig.env, RACE_FETCH_START: "8", RACE_FETCH_MAX: "16", LIVERC_MAX_ATTEMPTS: "20" }
    const services = IngestEvent.layer.pipe(
      Layer.provideMerge(Layer.mergeAll(LiveRcAccessLive, PersistenceLive)),
      Layer.provide(NatsClient.layer("test")),
      Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env })))
    )
    const host = new URL(rig.sim.url).host
    const command: IngestEventCommand = {
      v: 1,
      job_id: newJobId() as JobId,
      kind: "ingest_event",
      event_id: "720010" as LiveRcId,
      track_slug: "sim-live" as TrackSlug,
      depth: "summary"
    }
    const context: JobContext = { jobId: command.job_id, attempt: 1, reportProgress: () => Effect.void }
    rig.sim.resetStats()
    const sampler = sampleInFlight(rig, 10)
    try {
      await Effect.runPromise(Effect.scoped(Effect.gen(function*() {
        const ingest = yield* IngestEvent
        const concurrency = yield* AdaptiveConcurrency
        const changes: Array<{ readonly at: number; readonly limit: number }> = []
        yield* concurrency.onChange((changedHost, limit) => {
          if (changedHost === host) changes.push({ at: performance.now(), limit })
        })
        const job = yield* Effect.forkChild(Effect.scoped(ingest.handler(command, context)))
        // The job's race fetches are running at the start limit of 8.
        yield* Effect.promise(() => waitUntil(() => rig.sim.stats().inFlight >= 8))
        const started = performance.now()
        // A wave of 429s: the first answers halve the limit, the rest fall in its 1 s cool-down.
        rig.sim.configure({ faults: { rate429: 1 } })
        yield* Effect.promise(() => waitUntil(() => changes.some((c) => c.at > started && c.limit < 8)))
        const cut = changes.find((c) => c.at > started && c.limit < 8)!
        // Calm again early enough that the wave's last answers arrive inside the cool-down.
        yield* Effect.sleep(Math.max(0, cut.at + 600 - performance.now()))
        rig.sim.configure({ faults: { rate429: 0 } })
        const result = yield* Fiber.join(job)
        const finished = performance.now()
        sampler.stop()
        expect(result).toMatchObject({ races: 80 })

        expect(cut.limit).toBeLessThanOrEqual(5)
        // Requests sent before the cut drain within one page latency (250 ms); from then until
        // the limit grows, the running job has at most `cut.limit` requests in flight...
        const nextRise = changes.find((c) => c.at > cut.at && c.limit > cut.limit)
        expect(nextRise, JSON.stringify(changes)).toBeDefined()
        expect(nextRise!.at).toBeGreaterThan(cut.at + 600)
        const held = sampler.peak(cut.at + 300, nextRise!.at)
        expect(held).toBeLessThanOrEqual(cut.limit)
        expect(held).toBeGreaterThanOrEqual(2)
        // ...and the growth reaches it too: well above the cut before it ends.
        const grownTo = Math.max(...changes.filter((c) => c.at > cut.at).map((c) => c.limit))
        expect(grownTo).toBeGreaterThan(cut.limit + 2)
        expect(sampler.peak(nextRise!.at, finished)).toBeGreaterThan(cut.limit + 1)
        // Throughout: never more in flight than the limit allowed within the last page latency.
        const limitAt = (at: number) => changes.filter((c) => c.at <= at).at(-1)?.limit ?? 8
        for (const sample of sampler.samples.filter((s) => s.at > started)) {
          const allowed = Math.max(
            limitAt(sample.at - 300),
            ...changes.filter((c) => c.at > sample.at - 300 && c.at <= sample.at).map((c) => c.limit)
          )
          expect(sample.inFlight, `at ${Math.round(sample.at - started)} ms`).toBeLessThanOrEqual(allowed)
        }
      })).pipe(Effect.provide(services)))
    } finally {
      sampler.stop()
      rig.sim.configure({ faults: { rate429: 0 } })
    }
  })
})

const waitUntil = async (condition: () => boolean, timeoutMillis = 10_000) => {
  const deadline = Date.now() + timeoutMillis
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMillis} ms`)
    await sleep(5)
  }
}
