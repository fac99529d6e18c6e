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

const bucketTtlMillis = (runtime: ReturnType<typeof cacheWith>) =>
  runtime.runPromise(NatsClient.use(({ jsm }) =>
    Effect.promise(() => jsm.streams.info(`KV_${PRACTICE_NEGATIVE_BUCKET}`)).pipe(
      Effect.map((info) => info.config.max_age / 1_000_000)
    )
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

  it("is provisioned idempotently by every process, and a changed TTL is applied in place", async () => {
    const first = cacheWith("1h")
    const second = cacheWith("1h")
    try {
      await first.runPromise(Effect.void)
      await second.runPromise(Effect.void)
      expect(await bucketTtlMillis(second)).toBe(3_600_000)
      await first.runPromise(PracticeNegativeCache.use((cache) => cache.remember(slug, day("2025-01-04"))))
      const longer = cacheWith("2h")
      try {
        expect(await bucketTtlMillis(longer)).toBe(7_200_000)
        // The entry written before the change is still there.
        const known = await longer.runPromise(PracticeNegativeCache.use((cache) => cache.known(slug, [day("2025-01-04")])))
        expect([...known]).toEqual(["2025-01-04"])
      } finally {
        await longer.dispose()
      }
    } finally {
      await first.dispose()
      await second.dispose()
    }
  })
})
