import { jetstreamManager, type JetStreamManager, RetentionPolicy, StorageType } from "@nats-io/jetstream"
import { connect, type NatsConnection } from "@nats-io/transport-node"
import { Effect, Exit } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { provisionTopology } from "../../src/queue/IngestStreams.ts"
import { defaultTopologySettings, makeTopology } from "../../src/queue/Topology.ts"
import { type NatsTestServer, startNatsServer } from "../support/NatsTestServer.ts"

describe("provisionTopology", () => {
  let server: NatsTestServer
  let nc: NatsConnection
  let jsm: JetStreamManager

  beforeAll(async () => {
    server = await startNatsServer()
    nc = await connect({ servers: server.url })
    jsm = await jetstreamManager(nc)
  })
  afterAll(async () => {
    await nc?.close()
    await server?.stop()
  })

  const provision = (settings = defaultTopologySettings) =>
    Effect.runPromiseExit(provisionTopology(jsm, makeTopology(settings)))

  it("creates every stream, the consumers and the bucket, with the settings the server kept", async () => {
    const exit = await provision()
    expect(Exit.isSuccess(exit) && exit.value.map((r) => `${r.resource}: ${r.action}`)).toEqual([
      "stream INGEST: created",
      "stream INGEST_DLQ: created",
      "stream KV_ingest_jobs: created",
      "stream SCHEDULES: created",
      "consumer INGEST/ingest-workers: created",
      "consumer SCHEDULES/schedule-relay: created"
    ])
    const ingest = await jsm.streams.info("INGEST")
    expect(ingest.config).toMatchObject({ max_msgs_per_subject: 1, discard_new_per_subject: true, retention: "workqueue" })
    const consumer = await jsm.consumers.info("INGEST", "ingest-workers")
    expect(consumer.config).toMatchObject({ max_ack_pending: 8, max_deliver: 5, ack_wait: 30_000_000_000 })
  })

  it("changes nothing when run again (every process provisions at start)", async () => {
    const exit = await provision()
    expect(Exit.isSuccess(exit) && exit.value.every((r) => r.action === "unchanged")).toBe(true)
  })

  it("updates changed settings in place and keeps the queued commands", async () => {
    for (const id of ["1", "2", "3"]) await nc.request(`ingest.event.${id}`, "{}")
    const exit = await provision({ ...defaultTopologySettings, maxConcurrent: 16, ackWaitMillis: 60_000, queueMax: 20_000 })
    expect(Exit.isSuccess(exit) && exit.value.map((r) => r.action)).toEqual([
      "updated",
      "unchanged",
      "unchanged",
      "unchanged",
      "updated",
      "unchanged"
    ])
    expect((await jsm.streams.info("INGEST")).state.messages).toBe(3)
    expect((await jsm.consumers.info("INGEST", "ingest-workers")).config).toMatchObject({
      max_ack_pending: 16,
      ack_wait: 60_000_000_000
    })
  })

  it("refuses to lower the queue limit below what is queued (the server would drop commands)", async () => {
    const exit = await provision({ ...defaultTopologySettings, queueMax: 2 })
    expect(Exit.isFailure(exit) && String(exit.cause)).toContain("holds 3 messages, more than the new max_msgs 2")
    expect((await jsm.streams.info("INGEST")).state.messages).toBe(3)
  })

  it("refuses to change what a stream cannot change in place", async () => {
    await jsm.streams.delete("INGEST_DLQ")
    await jsm.streams.add({ name: "INGEST_DLQ", subjects: ["dlq.ingest.>"], retention: RetentionPolicy.Interest, storage: StorageType.File })
    const exit = await provision()
    expect(Exit.isFailure(exit) && String(exit.cause)).toContain("cannot change retention")
  })
})
