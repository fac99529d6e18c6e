import { describe, expect, it } from "vitest"
import { safeReplicas, supportsReplicatedCas } from "../../src/throttle/ThrottleBucket.ts"

describe("safeReplicas", () => {
  it("keeps the throttle bucket at one replica where clustered CAS can grant twice (nats-server #4320)", () => {
    expect(safeReplicas(3, "2.9.10")).toBe(1)
    expect(safeReplicas(3, "2.9.21")).toBe(1)
    expect(safeReplicas(5, "2.10.24")).toBe(1)
  })

  it("replicates as configured from 2.11 on", () => {
    expect(safeReplicas(3, "2.11.0")).toBe(3)
    expect(safeReplicas(3, "2.12.3")).toBe(3)
    expect(safeReplicas(1, "2.14.5")).toBe(1)
  })

  it("reads versions with a v prefix or a suffix, and treats an unknown one as old", () => {
    expect(supportsReplicatedCas("v2.11.1")).toBe(true)
    expect(supportsReplicatedCas("2.11.0-RC.1")).toBe(true)
    expect(supportsReplicatedCas("unknown")).toBe(false)
  })
})
