import { Effect, Option } from "effect"
import { readdirSync, readFileSync } from "node:fs"
import { join } from "node:path"
import { afterEach, beforeEach, describe, expect, it } from "vitest"
import { NatsClient } from "../../src/broker/NatsClient.ts"
import { configDrift, provisionStream } from "../../src/broker/Provisioner.ts"
import { defaultPracticeNegativeBucket } from "../../src/cli/TopologyExport.ts"
import { provisionTopology } from "../../src/queue/IngestStreams.ts"
import { defaultTopologySettings, INGEST_STREAM, makeTopology, SCHEDULES_STREAM } from "../../src/queue/Topology.ts"
import { THROTTLE_BUCKET_STREAM, ThrottleBucket, throttleBucketSpec } from "../../src/throttle/ThrottleBucket.ts"
import { type NatsTestServer, startNatsServer } from "../support/NatsTestServer.ts"

/**
 * The JSON under nats/ is for operators who manage NATS by hand. Applied the way natscli applies
 * it (`nats stream add --config`, `nats consumer add INGEST --config`), it must be exactly what the
 * processes would create: they then find nothing to change. The throttle bucket is not
 * provisioned from a spec but created by the KV client, so its export is checked against a bucket
 * the throttle itself created.
 */

const natsDir = join(import.meta.dirname, "..", "..", "nats")
const readJson = (path: string) => JSON.parse(readFileSync(join(natsDir, path), "utf8"))

const withNats = <A, E>(server: NatsTestServer, use: (nats: NatsClient["Service"]) => Effect.Effect<A, E>) =>
  Effect.runPromise(Effect.scoped(Effect.gen(function*() {
    const nats = yield* NatsClient.make({
      servers: server.url,
      name: Option.none(),
      token: Option.none(),
      user: Option.none(),
      password: Option.none(),
      credsFile: Option.none()
    }, "test")
    return yield* use(nats)
  })))

describe("nats/ export", () => {
  let server: NatsTestServer
  beforeEach(async () => {
    server = await startNatsServer()
  })
  afterEach(async () => {
    await server?.stop()
  })

  it("describes the host_throttle bucket exactly as the throttle creates it", async () => {
    const drift = await withNats(server, (nats) =>
      Effect.gen(function*() {
        yield* ThrottleBucket.make(1).pipe(Effect.provideService(NatsClient, nats))
        const info = yield* Effect.promise(() => nats.jsm.streams.info(THROTTLE_BUCKET_STREAM))
        return configDrift(throttleBucketSpec(1), info.config)
      }))
    expect(drift).toEqual([])
  })

  it("applied by hand, leaves the processes nothing to create or change", async () => {
    const streamFiles = readdirSync(join(natsDir, "streams")).filter((f) => f.endsWith(".json")).sort()
    expect(streamFiles).toEqual([
      "INGEST.json",
      "INGEST_DLQ.json",
      "KV_host_throttle.json",
      "KV_ingest_jobs.json",
      "KV_practice_negative.json",
      "SCHEDULES.json"
    ])
    const results = await withNats(server, (nats) =>
      Effect.gen(function*() {
        for (const file of streamFiles) {
          yield* Effect.promise(() => nats.jsm.streams.add(readJson(`streams/${file}`)))
        }
        yield* Effect.promise(() => nats.jsm.consumers.add(INGEST_STREAM, readJson("consumers/ingest-workers.json")))
        yield* Effect.promise(() => nats.jsm.consumers.add(SCHEDULES_STREAM, readJson("consumers/schedule-relay.json")))
        const topology = yield* provisionTopology(nats.jsm, makeTopology(defaultTopologySettings))
        const practice = yield* provisionStream(nats.jsm, defaultPracticeNegativeBucket())
        yield* ThrottleBucket.make(1).pipe(Effect.provideService(NatsClient, nats))
        const throttle = yield* Effect.promise(() => nats.jsm.streams.info(THROTTLE_BUCKET_STREAM))
        return { provisioned: [...topology, practice], throttleDrift: configDrift(throttleBucketSpec(1), throttle.config) }
      }))
    expect(results.provisioned.map((r) => r.action)).toEqual(Array(7).fill("unchanged"))
    expect(results.throttleDrift).toEqual([])
  })
})
