import type { ConsumerConfig, StreamConfig } from "@nats-io/jetstream"
import { describe, expect, it } from "vitest"
import { defaultTopologySettings, makeTopology } from "../../src/queue/Topology.ts"
import { settingsInForce } from "../../src/queue/TopologyInForce.ts"

const deployed = makeTopology({
  queueMax: 500,
  maxConcurrent: 32,
  ackWaitMillis: 45_000,
  maxDeliver: 7,
  jobTtlMillis: 7_200_000,
  replicas: 3
})

describe("TopologyInForce", () => {
  it("takes every setting the server holds over the environment's", () => {
    const settings = settingsInForce(
      {
        ingest: deployed.ingest as StreamConfig,
        workers: deployed.workers as ConsumerConfig,
        jobsBucket: deployed.jobsBucket as StreamConfig
      },
      defaultTopologySettings
    )
    expect(settings).toEqual(deployed.settings)
  })

  it("fills in from the environment only what does not exist yet", () => {
    expect(settingsInForce({ ingest: null, workers: null, jobsBucket: null }, defaultTopologySettings))
      .toEqual(defaultTopologySettings)
    expect(settingsInForce({ ingest: deployed.ingest as StreamConfig, workers: null, jobsBucket: null }, defaultTopologySettings))
      .toEqual({ ...defaultTopologySettings, queueMax: 500, replicas: 3 })
  })
})
