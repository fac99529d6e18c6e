import { ConfigProvider, Effect, Layer, ManagedRuntime } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { NatsClient } from "../../src/broker/NatsClient.ts"
import type { PracticeDate, TrackSlug } from "../../src/liverc/LiveRcIds.ts"
import { PRACTICE_NEGATIVE_BUCKET, PracticeNegativeCache } from "../../src/pipeline/PracticeNegativeCache.ts"
import { type NatsTestServer, startNatsServer } from "../support/NatsTestServer.ts"
import { sleep } from "../support/QueueProbe.ts"

/** The `practice_negative` bucket on a private nats-server. */

let server: NatsTestServer
beforeAll(async () => {
  server = await startNatsServer()
})
afterAll(async () => {
  await server?.stop()
})

const cacheWith = (ttl: string) =>
  ManagedRuntime.make(
    PracticeNegativeCache.layer.pipe(
      Layer.provideMerge(NatsClient.layer("test")),
      Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env: { NATS_URL: server.url, PRACTICE_NEGATIVE_TTL: ttl } })))
    )
  )

const slug = "cache-track" as TrackSlug
const day = (date: string) => date as PracticeDate

const bucketConfig = (runtime: ReturnType<typeof cacheWith>) =>
  runtime.runPromise(NatsClient.use(({ jsm }) =>
    Effect.promise(() => jsm.streams.info(`KV_${PRACTICE_NEGATIVE_BUCKET}`)).pipe(Effect.map((info) => info.config))
  ))

describe("PracticeNegativeCache", () => {
  it("remembers empty days for the bucket's TTL, per track, and forgets them after it", async () => {
    const runtime = cacheWith("2s")
    try {
      const known = (dates: ReadonlyArray<string>, track = slug) =>
        runtime.runPromise(PracticeNegativeCache.use((cache) => cache.known(track, dates.map(day))))
      await runtime.runPromise(PracticeNegativeCache.use((cache) => cache.remember(slug, day("2025-10-07"))))
      expect([...await known(["2025-10-06", "2025-10-07", "2025-10-08"])]).toEqual(["2025-10-07"])
      expect([...await known(["2025-10-07"], "other-track" as TrackSlug)]).toEqual([])
      await sleep(2_600)
      expect([...await known(["2025-10-07"])]).toEqual([])
    } finally {
      await runtime.dispose()
    }
  })

  it("is provisioned idempotently by every process; each entry keeps the TTL it was written with", async () => {
    const short = cacheWith("1s")
    const long = cacheWith("1h")
    try {
      await short.runPromise(Effect.void)
      await long.runPromise(Effect.void)
      // The bucket holds no TTL of its own: per-message TTL, so a process with another setting
      // changes nothing on the server.
      expect(await bucketConfig(long)).toMatchObject({ max_age: 0, allow_msg_ttl: true })
      await short.runPromise(PracticeNegativeCache.use((cache) => cache.remember(slug, day("2025-01-04"))))
      await long.runPromise(PracticeNegativeCache.use((cache) => cache.remember(slug, day("2025-01-05"))))
      await sleep(1_600)
      const known = await long.runPromise(PracticeNegativeCache.use((cache) => cache.known(slug, [day("2025-01-04"), day("2025-01-05")])))
      expect([...known]).toEqual(["2025-01-05"])
    } finally {
      await short.dispose()
      await long.dispose()
    }
  })
})
