import { describe, expect, it } from "vitest"
import { parseAckSubject } from "../../src/queue/Delivery.ts"

describe("parseAckSubject", () => {
  it("reads delivery count and stream sequence from the 9-token form", () => {
    expect(parseAckSubject("$JS.ACK.INGEST.ingest-workers.3.1207.1311.1795919942313698775.2")).toEqual({
      deliveryCount: 3,
      seq: 1207
    })
  })

  it("reads the 12-token form with domain and account hash", () => {
    expect(parseAckSubject("$JS.ACK.hub.ACCHASH.INGEST.ingest-workers.1.42.43.1795919942313698775.0.rnd")).toEqual({
      deliveryCount: 1,
      seq: 42
    })
  })

  it("rejects anything that is not a JetStream ack subject", () => {
    expect(parseAckSubject("_INBOX.abc.def")).toBeUndefined()
    expect(parseAckSubject("$JS.ACK.INGEST.w.x.y")).toBeUndefined()
    expect(parseAckSubject("$JS.ACK.INGEST.ingest-workers.one.two.3.4.5")).toBeUndefined()
  })
})
