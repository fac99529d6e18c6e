import { assert, it } from "@effect/vitest"
import { jetstream } from "@nats-io/jetstream"
import { Kvm } from "@nats-io/kv"
import { connect } from "@nats-io/transport-node"
import { Effect, Exit, Option } from "effect"
import { afterAll, beforeAll, describe } from "vitest"
import { NatsClient } from "../../src/broker/NatsClient.ts"
import { THROTTLE_BUCKET, THROTTLE_BUCKET_STREAM, ThrottleBucket } from "../../src/throttle/ThrottleBucket.ts"
import { freePort, type NatsTestServer, startNatsServer } from "../support/NatsTestServer.ts"

/**
 * The replica choice on a real 3-node nats-server 2.9.10 cluster, where replicated CAS is unsafe
 * (nats-server #4320): the throttle bucket is kept at R1 whatever NATS_REPLICAS says, and an R3
 * bucket someone else created is refused rather than trusted.
 */

let cluster: Array<NatsTestServer> = []

beforeAll(async () => {
  const routePorts = [await freePort(), await freePort(), await freePort()]
  for (let i = 0; i < 3; i++) {
    const routes = routePorts.filter((_, j) => j !== i).map((port) => `nats-route://127.0.0.1:${port}`).join(", ")
    cluster.push(
      await startNatsServer({
        serverName: `throttle-n${i + 1}`,
        extraConfig: `cluster { name: throttle-test, listen: "127.0.0.1:${routePorts[i]}", routes: [${routes}] }`
      })
    )
  }
})

afterAll(async () => {
  await Promise.all(cluster.map((server) => server.stop()))
  cluster = []
})

/** ThrottleBucket over a connection that lives as long as the enclosing scope. */
const bucketOn = (server: NatsTestServer, replicas: number) =>
  NatsClient.make({
    servers: server.url,
    name: Option.none(),
    token: Option.none(),
    user: Option.none(),
    password: Option.none(),
    credsFile: Option.none()
  }, "bucket-test").pipe(
    Effect.flatMap((client) => ThrottleBucket.make(replicas).pipe(Effect.provideService(NatsClient, client)))
  )

const withKvm = <A>(use: (kvm: Kvm) => Promise<A>) =>
  Effect.promise(async () => {
    const nc = await connect({ servers: cluster[1]!.url })
    try {
      return await use(new Kvm(jetstream(nc)))
    } finally {
      await nc.close()
    }
  })

describe("ThrottleBucket on a 2.9.10 cluster", () => {
  it.live("creates the bucket with one replica even when NATS_REPLICAS=3", () =>
    Effect.scoped(Effect.gen(function*() {
      const bucket = yield* bucketOn(cluster[0]!, 3)
      assert.strictEqual(bucket.replicas, 1)
      const status = yield* Effect.promise(() => bucket.kv.status())
      assert.strictEqual(status.replicas, 1)
      yield* withKvm(async (kvm) => (await kvm.open(THROTTLE_BUCKET)).status().then((s) => s.replicas)).pipe(
        Effect.map((replicas) => assert.strictEqual(replicas, 1))
      )
    })), 60_000)

  it.live("refuses an existing R3 bucket instead of granting tokens from it", () =>
    Effect.scoped(Effect.gen(function*() {
      yield* withKvm(async (kvm) => {
        const nc = await connect({ servers: cluster[1]!.url })
        const jsm = await jetstream(nc).jetstreamManager()
        await jsm.streams.delete(THROTTLE_BUCKET_STREAM).catch(() => false)
        await nc.close()
        await kvm.create(THROTTLE_BUCKET, { history: 1, replicas: 3 })
      })
      const exit = yield* Effect.exit(bucketOn(cluster[2]!, 1))
      assert.isTrue(Exit.isFailure(exit))
      const error = Exit.isFailure(exit) ? String(exit.cause) : ""
      assert.include(error, "ThrottleBucketUnsafe")
    })), 60_000)
})
