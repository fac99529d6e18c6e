import { assert, it } from "@effect/vitest"
import { jetstream } from "@nats-io/jetstream"
import { Kvm } from "@nats-io/kv"
import { connect } from "@nats-io/transport-node"
import { Context, Duration, Effect, Fiber, Layer, Option } from "effect"
import { afterEach, beforeEach, describe } from "vitest"
import { NatsClient } from "../../src/broker/NatsClient.ts"
import { KillSwitch } from "../../src/throttle/KillSwitch.ts"
import { KILL_SWITCH_KEY, THROTTLE_BUCKET, ThrottleBucket } from "../../src/throttle/ThrottleBucket.ts"
import { type NatsTestServer, startNatsServer } from "../support/NatsTestServer.ts"

let nats: NatsTestServer

beforeEach(async () => {
  nats = await startNatsServer()
})

afterEach(async () => {
  await nats.stop()
})

/** One "process": its own connection, bucket handle and kill switch. */
const killSwitchProcess = () =>
  Layer.build(
    KillSwitch.layer.pipe(
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
        }, "kill-switch-test")
      ))
    )
  ).pipe(Effect.map((context) => Context.get(context, KillSwitch)))

/** Milliseconds until `killSwitch.allowsRequests` equals `expected` (fails after 10 s). */
const millisUntilAllows = (killSwitch: KillSwitch["Service"], expected: boolean) =>
  Effect.gen(function*() {
    const started = performance.now()
    while ((yield* killSwitch.allowsRequests) !== expected) yield* Effect.sleep(Duration.millis(5))
    return performance.now() - started
  }).pipe(Effect.timeout(Duration.seconds(10)))

const operatorKv = Effect.acquireRelease(
  Effect.promise(async () => {
    const nc = await connect({ servers: nats.url })
    return { nc, kv: await new Kvm(jetstream(nc)).open(THROTTLE_BUCKET) }
  }),
  ({ nc }) => Effect.promise(() => nc.close())
)

describe("KillSwitch", () => {
  it.live("set and clear reach another process within a second", () =>
    Effect.scoped(Effect.gen(function*() {
      const admin = yield* killSwitchProcess()
      const worker = yield* killSwitchProcess()
      yield* millisUntilAllows(worker, true)

      yield* admin.set
      const paused = yield* millisUntilAllows(worker, false)
      const state = yield* admin.get
      assert.isTrue(state.engaged)
      assert.strictEqual(state.value, "on")
      assert.isTrue(paused < 1000, `paused after ${paused} ms`)

      const waiting = yield* Effect.forkChild(worker.awaitAllowed)
      yield* Effect.sleep(Duration.millis(200))
      assert.isUndefined(waiting.pollUnsafe())
      yield* admin.clear
      const resumed = yield* millisUntilAllows(worker, true)
      assert.isTrue(resumed < 1000, `resumed after ${resumed} ms`)
      yield* Fiber.join(waiting).pipe(Effect.timeout(Duration.seconds(1)))
      assert.isFalse((yield* admin.get).engaged)
    })))

  it.live("an operator's own words engage it, and `nats kv del` clears it", () =>
    Effect.scoped(Effect.gen(function*() {
      const worker = yield* killSwitchProcess()
      const { kv } = yield* operatorKv
      yield* millisUntilAllows(worker, true)

      yield* Effect.promise(() => kv.put(KILL_SWITCH_KEY, "maintenance until 18:00"))
      yield* millisUntilAllows(worker, false)
      assert.strictEqual((yield* worker.get).value, "maintenance until 18:00")

      yield* Effect.promise(() => kv.delete(KILL_SWITCH_KEY))
      yield* millisUntilAllows(worker, true)
      assert.deepStrictEqual((yield* worker.get).value, null)
    })))

  it.live("closes while NATS cannot be read and opens again once it answers", () =>
    Effect.scoped(Effect.gen(function*() {
      const worker = yield* killSwitchProcess()
      yield* millisUntilAllows(worker, true)

      yield* Effect.promise(() => nats.kill())
      const closed = yield* millisUntilAllows(worker, false)
      assert.isTrue(closed < 2500, `closed after ${closed} ms`)
      yield* Effect.sleep(Duration.seconds(1))
      assert.isFalse(yield* worker.allowsRequests)

      yield* Effect.promise(() => nats.restart())
      yield* millisUntilAllows(worker, true)
    })))
})
