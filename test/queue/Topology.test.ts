import { ConfigProvider, Effect, Exit } from "effect"
import { readFileSync } from "node:fs"
import { join } from "node:path"
import { describe, expect, it } from "vitest"
import { topologyFiles } from "../../src/cli/TopologyExport.ts"
import { defaultTopologySettings, makeTopology, TopologyConfig } from "../../src/queue/Topology.ts"

const readConfig = (env: Record<string, string>) =>
  Effect.runSyncExit(
    Effect.provideService(
      Effect.gen(function*() {
        return yield* TopologyConfig
      }),
      ConfigProvider.ConfigProvider,
      ConfigProvider.fromEnv({ env })
    )
  )

describe("Topology", () => {
  it("matches the JSON committed under nats/ (run `npm run nats:export` after changing it)", () => {
    for (const [path, content] of Object.entries(topologyFiles())) {
      const committed = readFileSync(join(import.meta.dirname, "..", "..", "nats", path), "utf8")
      expect(committed, `nats/${path}`).toBe(content)
    }
  })

  it("keeps one live command per key and never expires a waiting one", () => {
    const { ingest } = makeTopology(defaultTopologySettings)
    expect(ingest).toMatchObject({
      retention: "workqueue",
      max_msgs_per_subject: 1,
      discard: "new",
      discard_new_per_subject: true,
      max_age: 0,
      max_msgs: 10_000
    })
  })

  it("maps the settings onto the server's limits", () => {
    const topology = makeTopology({
      queueMax: 50,
      maxConcurrent: 3,
      ackWaitMillis: 2000,
      maxDeliver: 7,
      jobTtlMillis: 3000,
      replicas: 3
    })
    expect(topology.ingest.max_msgs).toBe(50)
    expect(topology.workers).toMatchObject({ max_ack_pending: 3, ack_wait: 2_000_000_000, max_deliver: 7 })
    // A finished status carries the TTL itself (per-message TTL); the bucket keeps live ones for
    // ever and records the TTL for operator tools.
    expect(topology.jobsBucket).toMatchObject({
      max_age: 0,
      allow_msg_ttl: true,
      num_replicas: 3,
      metadata: { "liverc.job_ttl_ms": "3000" }
    })
    expect(topology.dlq.num_replicas).toBe(3)
  })

  it("reads durations the way operators write them", () => {
    const exit = readConfig({ INGEST_ACK_WAIT: "45s", INGEST_JOB_TTL: "2h", INGEST_MAX_CONCURRENT: "16" })
    expect(exit).toStrictEqual(Exit.succeed({
      ...defaultTopologySettings,
      ackWaitMillis: 45_000,
      jobTtlMillis: 7_200_000,
      maxConcurrent: 16
    }))
    const effectStyle = readConfig({ INGEST_ACK_WAIT: "90 seconds" })
    expect(Exit.isSuccess(effectStyle) && effectStyle.value.ackWaitMillis).toBe(90_000)
  })

  it("refuses bad values with the variable's name", () => {
    for (const [name, value] of [
      ["INGEST_MAX_CONCURRENT", "0"],
      ["INGEST_QUEUE_MAX", "lots"],
      ["INGEST_ACK_WAIT", "30"],
      ["INGEST_JOB_TTL", "-1h"],
      ["NATS_REPLICAS", "2"]
    ] as const) {
      const exit = readConfig({ [name]: value })
      expect(Exit.isFailure(exit), `${name}=${value}`).toBe(true)
      expect(String(Exit.isFailure(exit) ? exit.cause : ""), `${name}=${value}`).toContain(name)
    }
  })
})
