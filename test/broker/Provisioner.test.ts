import { describe, expect, it } from "vitest"
import { configDrift } from "../../src/broker/Provisioner.ts"

describe("configDrift", () => {
  it("finds nothing when the server kept every setting", () => {
    expect(configDrift({ max_msgs: 10, subjects: ["a.>"] }, { max_msgs: 10, subjects: ["a.>"], extra: 1 })).toEqual([])
  })

  it("treats a false the server omitted as kept (it drops false booleans from its answer)", () => {
    expect(configDrift({ deny_delete: false }, {})).toEqual([])
  })

  it("reports a setting the server silently dropped", () => {
    expect(configDrift({ discard_new_per_subject: true }, {})).toEqual([
      { field: "discard_new_per_subject", want: true, got: undefined }
    ])
  })

  it("reports a changed value, arrays compared by content", () => {
    expect(configDrift({ max_ack_pending: 8, subjects: ["a.>"] }, { max_ack_pending: 4, subjects: ["b.>"] })).toEqual([
      { field: "max_ack_pending", want: 8, got: 4 },
      { field: "subjects", want: ["a.>"], got: ["b.>"] }
    ])
  })
})
