import { describe, expect, it } from "vitest"
import { topologyFiles } from "../../src/cli/TopologyExport.ts"

describe("TopologyExport", () => {
  it("exports every stream, bucket and consumer the processes create", () => {
    expect(Object.keys(topologyFiles()).sort()).toEqual([
      "consumers/ingest-workers.json",
      "consumers/schedule-relay.json",
      "streams/INGEST.json",
      "streams/INGEST_DLQ.json",
      "streams/KV_host_throttle.json",
      "streams/KV_ingest_jobs.json",
      "streams/KV_practice_negative.json",
      "streams/SCHEDULES.json"
    ])
  })
})
