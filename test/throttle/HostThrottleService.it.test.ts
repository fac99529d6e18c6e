import { assert, it } from "@effect/vitest"
import { jetstreamManager } from "@nats-io/jetstream"
import { connect } from "@nats-io/transport-node"
import { Context, Duration, Effect, Exit, Fiber, Layer, Option } from "effect"
import { afterEach, beforeEach, describe, expect } from "vitest"
import { NatsClient } from "../../src/broker/NatsClient.ts"
import { type RunningSimulator, startSimulator } from "../../src/sim/SimServer.ts"
import { HostThrottle } from "../../src/throttle/HostThrottle.ts"
import { KillSwitch } from "../../src/throttle/KillSwitch.ts"
import { THROTTLE_BUCKET_STREAM, ThrottleBucket } from "../../src/throttle/ThrottleBucket.ts"
import { defaultThrottleSettings, type ThrottleSettings } from "../../src/throttle/ThrottleConfig.ts"
import { type NatsTestServer, startNatsServer } from "../support/NatsTestServer.ts"

/**
 * HostThrottle inside one process: cancellation, robots.txt Crawl-delay, and processes (here:
 * separate connections and service instances) that disagree on the configured rate.
 */

let nats: NatsTestServer
let sim: RunningSimulator

beforeEach(async () => {
  nats = await startNatsServer()
  sim = await startSimulator()
})

afterEach(async () => {
  await sim.close()
  await nats.stop()
})

const natsLayer = (url: string) =>
  Layer.effect(
    NatsClient,
    NatsClient.make({
      servers: url,
      name: Option.none(),
      token: Option.none(),
      user: Option.none(),
      password: Option.none(),
      credsFile: Option.none()
    }, "throttle-test")
  )

/** One "process": its own connection, bucket handle, kill switch and throttle. */
const throttleLayer = (settings: Partial<ThrottleSettings> = {}) =>
  Layer.effect(HostThrottle, HostThrottle.make({ ...defaultThrottleSettings, ...settings })).pipe(
    Layer.provideMerge(KillSwitch.layer),
    Layer.provideMerge(Layer.effect(ThrottleBucket, ThrottleBucket.make(1))),
    Layer.provide(natsLayer(nats.url))
  )

const buildProcess = (settings: Partial<ThrottleSettings> = {}) =>
  Layer.build(throttleLayer(settings)).pipe(
    Effect.map((context) => ({
      throttle: Context.get(context, HostThrottle),
      killSwitch: Context.get(context, KillSwitch)
    }))
  )

const host = () => new URL(sim.url).host

const waitUntil = (condition: Effect.Effect<boolean>) =>
  Effect.gen(function*() {
    while (!(yield* condition)) yield* Effect.sleep(Duration.millis(10))
  }).pipe(Effect.timeout(Duration.seconds(10)))

const waitingOf = (throttle: HostThrottle["Service"]) =>
  throttle.status.pipe(Effect.map(([group]) => group?.waiting ?? 0))

/** Acquire-then-GET in `concurrency` fibers for `millis`; returns the GETs made. */
const fetchLoop = (throttle: HostThrottle["Service"], millis: number, concurrency = 4) =>
  Effect.gen(function*() {
    const deadline = performance.now() + millis
    let fetched = 0
    const loop = Effect.gen(function*() {
      while (performance.now() < deadline) {
        yield* throttle.acquire(host())
        yield* Effect.promise(() => fetch(`${sim.url}/robots.txt`).then((response) => response.text()))
        fetched++
      }
    })
    yield* Effect.all(Array.from({ length: concurrency }, () => loop), { concurrency: "unbounded" })
    return fetched
  })

describe("HostThrottle in one process", () => {
  // A fresh bucket starts one horizon in debt; at rates whose bucket depth is under two tokens the
  // first slot lay just past the horizon, and re-reading an unstored debt restarted it every time.
  for (const ratePerSec of [10, 50, 200]) {
    it.live(`grants the first tokens of a fresh bucket within about a second at ${ratePerSec}/s`, () =>
      Effect.gen(function*() {
        const { throttle } = yield* buildProcess({ ratePerSec, burst: 3 })
        const started = performance.now()
        yield* Effect.all([throttle.acquire(host()), throttle.acquire(host())], { concurrency: 2 }).pipe(
          Effect.timeout(Duration.seconds(5))
        )
        expect(performance.now() - started).toBeLessThan(3000)
      }).pipe(Effect.scoped))
  }

  it.live("cancels a waiting acquire with its fiber and leaves no waiter behind", () =>
    Effect.gen(function*() {
      const throttle = yield* HostThrottle
      const killSwitch = yield* KillSwitch
      yield* killSwitch.set
      const fibers = yield* Effect.forEach([0, 1, 2], () => Effect.forkChild(throttle.acquire(host())))
      yield* waitUntil(waitingOf(throttle).pipe(Effect.map((waiting) => waiting === 3)))

      yield* Fiber.interrupt(fibers[1]!).pipe(Effect.timeout(Duration.seconds(1)))
      assert.strictEqual(yield* waitingOf(throttle), 2)

      yield* killSwitch.clear
      yield* Fiber.join(fibers[0]!).pipe(Effect.timeout(Duration.seconds(5)))
      yield* Fiber.join(fibers[2]!).pipe(Effect.timeout(Duration.seconds(5)))
      const cancelled = yield* Fiber.await(fibers[1]!)
      assert.isTrue(Exit.hasInterrupts(cancelled))
      const [status] = yield* throttle.status
      assert.strictEqual(status?.granted, 2)
      assert.strictEqual(status?.waiting, 0)
    }).pipe(Effect.provide(throttleLayer())))

  it.live("waits without sending while NATS is down, and a waiting acquire can still be cancelled", () =>
    Effect.gen(function*() {
      const throttle = yield* HostThrottle
      yield* throttle.acquire(host())
      yield* Effect.promise(() => nats.kill())
      const waiting = yield* Effect.forkChild(throttle.acquire(host()))
      yield* Effect.sleep(Duration.seconds(2))
      assert.isUndefined(waiting.pollUnsafe())

      yield* Fiber.interrupt(waiting).pipe(Effect.timeout(Duration.seconds(1)))
      const resumed = yield* Effect.forkChild(throttle.acquire(host()))
      yield* Effect.promise(() => nats.restart())
      yield* Fiber.join(resumed).pipe(Effect.timeout(Duration.seconds(15)))
      assert.strictEqual(yield* waitingOf(throttle), 0)
    }).pipe(Effect.provide(throttleLayer())))

  it.live("lowers the whole group's rate to 1/Crawl-delay, in every process", () =>
    Effect.scoped(Effect.gen(function*() {
      const a = yield* buildProcess({ ratePerSec: 20 })
      const b = yield* buildProcess({ ratePerSec: 20 })
      // Only `a` read robots.txt (Crawl-delay: 0.25 s); `b` learns the rate from the bucket.
      yield* a.throttle.setCrawlDelay(host(), 0.25)
      yield* a.throttle.acquire(host())
      sim.resetStats()
      yield* Effect.all([fetchLoop(a.throttle, 3000), fetchLoop(b.throttle, 3000)], { concurrency: "unbounded" })

      const [statusB] = yield* b.throttle.status
      assert.strictEqual(statusB?.limits?.ratePerSec, 4)
      const [statusA] = yield* a.throttle.status
      assert.strictEqual(statusA?.crawlDelaySeconds, 0.25)
      expect(sim.stats().maxRequestsInAnySecond).toBeLessThanOrEqual(4 + defaultThrottleSettings.burst)
      expect(statusB?.granted ?? 0).toBeGreaterThan(0)
    })))

  it.live("converges on the lowest rate when processes are configured differently", () =>
    Effect.scoped(Effect.gen(function*() {
      const fast = yield* buildProcess({ ratePerSec: 20 })
      const slow = yield* buildProcess({ ratePerSec: 5 })
      yield* slow.throttle.acquire(host())
      sim.resetStats()
      yield* Effect.all([fetchLoop(fast.throttle, 3000), fetchLoop(slow.throttle, 3000)], {
        concurrency: "unbounded"
      })

      const [status] = yield* fast.throttle.status
      assert.strictEqual(status?.limits?.ratePerSec, 5)
      assert.strictEqual(status?.proposed.ratePerSec, 20)
      expect(sim.stats().maxRequestsInAnySecond).toBeLessThanOrEqual(5 + defaultThrottleSettings.burst)
    })))

  it.live("recreates the bucket after an operator removed it, and grants again", () =>
    Effect.gen(function*() {
      const throttle = yield* HostThrottle
      yield* throttle.acquire(host())
      yield* Effect.promise(async () => {
        const nc = await connect({ servers: nats.url })
        await (await jetstreamManager(nc)).streams.delete(THROTTLE_BUCKET_STREAM)
        await nc.close()
      })
      yield* throttle.acquire(host()).pipe(Effect.timeout(Duration.seconds(20)))
      const [status] = yield* throttle.status
      assert.strictEqual(status?.granted, 2)
    }).pipe(Effect.provide(throttleLayer())))
})
