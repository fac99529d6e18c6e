import { NodeHttpClient } from "@effect/platform-node"
import { assert, it } from "@effect/vitest"
import { Duration, Effect, Fiber, Layer, Option, Schema } from "effect"
import { afterEach, beforeEach, describe } from "vitest"
import { NatsClient } from "../../src/broker/NatsClient.ts"
import { LiveRcClient } from "../../src/liverc/LiveRcClient.ts"
import { TrackSlug } from "../../src/liverc/LiveRcIds.ts"
import { LiveRcSite } from "../../src/liverc/LiveRcSite.ts"
import { makeLiveRcUrls } from "../../src/liverc/LiveRcUrls.ts"
import { RobotsPolicy } from "../../src/liverc/RobotsPolicy.ts"
import { type RunningSimulator, startSimulator } from "../../src/sim/SimServer.ts"
import { AdaptiveConcurrency } from "../../src/throttle/AdaptiveConcurrency.ts"
import { HostThrottle } from "../../src/throttle/HostThrottle.ts"
import { KillSwitch } from "../../src/throttle/KillSwitch.ts"
import { ThrottleBucket } from "../../src/throttle/ThrottleBucket.ts"
import { defaultThrottleSettings } from "../../src/throttle/ThrottleConfig.ts"
import { type NatsTestServer, startNatsServer } from "../support/NatsTestServer.ts"

/** robots.txt from the simulator, through the real client and the global throttle. */

const slug = Schema.decodeUnknownSync(TrackSlug)

let nats: NatsTestServer
let sim: RunningSimulator

beforeEach(async () => {
  nats = await startNatsServer()
  sim = await startSimulator({ config: { crawlDelay: 0.5 } })
})

afterEach(async () => {
  await sim.close()
  await nats.stop()
})

const robotsLayer = () => {
  const throttle = Layer.effect(HostThrottle, HostThrottle.make({ ...defaultThrottleSettings, ratePerSec: 20 })).pipe(
    Layer.provideMerge(KillSwitch.layer),
    Layer.provideMerge(Layer.effect(ThrottleBucket, ThrottleBucket.make(1))),
    Layer.provide(Layer.effect(
      NatsClient,
      NatsClient.make({
        servers: nats.url,
        name: Option.none(),
        token: Option.none(),
        user: Option.none(),
        password: Option.none(),
        credsFile: Option.none()
      }, "robots-test")
    ))
  )
  const client = Layer.effect(
    LiveRcClient,
    LiveRcClient.make({
      timeout: Duration.seconds(30),
      maxAttempts: 1,
      retryBase: Duration.millis(100),
      retryMax: Duration.seconds(1),
      maxPageBytes: 1024 * 1024,
      userAgent: "liverc-ingest/0.1 (test)"
    })
  ).pipe(Layer.provide([NodeHttpClient.layerUndici, AdaptiveConcurrency.layer]))
  const site = Layer.succeed(
    LiveRcSite,
    LiveRcSite.of({ urls: makeLiveRcUrls({ trackUrl: sim.trackUrlTemplate, rootUrl: sim.url }) })
  )
  return Layer.effect(RobotsPolicy, RobotsPolicy.make({ ttlMillis: 3_600_000, userAgent: "liverc-ingest/0.1 (test)" }))
    .pipe(Layer.provideMerge(client), Layer.provideMerge(throttle), Layer.provide(site))
}

describe("RobotsPolicy against the simulator", () => {
  it.live("lowers the throttle to 1/Crawl-delay after reading robots.txt, which itself took a token", () =>
    Effect.gen(function*() {
      const robots = yield* RobotsPolicy
      const throttle = yield* HostThrottle
      yield* robots.refreshRoot
      const [status] = yield* throttle.status
      assert.strictEqual(status?.crawlDelaySeconds, 0.5)
      assert.strictEqual(status?.proposed.ratePerSec, 2)
      assert.isAtLeast(status?.granted ?? 0, 1)
      assert.isAtLeast(sim.stats().byKind["robots"]?.total ?? 0, 1)
    }).pipe(Effect.provide(robotsLayer())))

  it.live("fetches a track's robots.txt once per TTL however often it is asked", () =>
    Effect.gen(function*() {
      const robots = yield* RobotsPolicy
      yield* robots.refreshRoot
      const before = sim.stats().byKind["robots"]?.total ?? 0
      const track = slug("canberraoffroad")
      yield* Effect.all([robots.refreshTrack(track), robots.refreshTrack(track)], { concurrency: "unbounded" })
      yield* robots.refreshTrack(track)
      assert.strictEqual((sim.stats().byKind["robots"]?.total ?? 0) - before, 1)
    }).pipe(Effect.provide(robotsLayer())))

  it.live("does not read robots.txt while the kill switch is engaged", () =>
    Effect.gen(function*() {
      const robots = yield* RobotsPolicy
      const killSwitch = yield* KillSwitch
      yield* robots.refreshRoot
      yield* killSwitch.set
      const before = sim.stats().total
      const refreshing = yield* Effect.forkChild(robots.refreshTrack(slug("bbrcc")))
      yield* Effect.sleep(Duration.millis(1500))
      assert.strictEqual(sim.stats().total, before)
      yield* killSwitch.clear
      yield* Fiber.join(refreshing).pipe(Effect.timeout(Duration.seconds(10)))
      assert.strictEqual(sim.stats().total, before + 1)
    }).pipe(Effect.provide(robotsLayer())))
})
