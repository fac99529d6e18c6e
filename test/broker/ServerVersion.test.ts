import { existsSync } from "node:fs"
import { describe, expect, it } from "vitest"
import { isWrongLastSequence, JetStreamFailure } from "../../src/broker/JetStreamFailure.ts"
import { binaryVersion, findServerBinary } from "../../src/broker/NatsServerBinary.ts"
import { isCurrentServer, parseVersion } from "../../src/broker/ServerVersion.ts"

/** Debian bookworm's nats-server, when this machine has it: the old server everything must refuse. */
const OLD_BINARY = "/usr/sbin/nats-server"
const oldVersion = existsSync(OLD_BINARY) ? binaryVersion(OLD_BINARY) : undefined

describe("nats-server versions", () => {
  it("reads versions as nats-server prints them and requires 2.12 or later", () => {
    expect(parseVersion("v2.15.1")).toEqual([2, 15, 1])
    expect(parseVersion("2.12.0-RC.3")).toEqual([2, 12, 0])
    expect(parseVersion("garbage")).toBeNull()
    expect(["2.12.0", "2.15.1", "3.0.0"].map(isCurrentServer)).toEqual([true, true, true])
    expect(["2.9.10", "2.11.9", "1.4.1", "unknown", ""].map(isCurrentServer)).toEqual([false, false, false, false, false])
  })

  it.runIf(oldVersion !== undefined && !isCurrentServer(oldVersion))(
    "refuses an old binary named by NATS_SERVER_BIN, naming both versions and the fix",
    () => {
      const found = findServerBinary({ NATS_SERVER_BIN: OLD_BINARY })
      expect(found._tag).toBe("Missing")
      const reason = found._tag === "Missing" ? found.reason : ""
      expect(reason).toContain(`${OLD_BINARY} (from NATS_SERVER_BIN) is nats-server ${oldVersion}`)
      expect(reason).toContain(">= 2.12.0")
      expect(reason).toContain("scripts/install-nats-server.sh")
    }
  )
})

describe("compare-and-set conflicts", () => {
  const failure = (code: number | null, reason: string) => new JetStreamFailure({ operation: "cas", code, reason })

  it("are one meaning whatever the code: 10071 from one server, 10164 from a replicated stream's leader", () => {
    expect(isWrongLastSequence(failure(10071, "wrong last sequence: 7"))).toBe(true)
    expect(isWrongLastSequence(failure(10164, "wrong last sequence: 12"))).toBe(true)
    expect(isWrongLastSequence(failure(10999, "Wrong Last Sequence: 3"))).toBe(true)
  })

  it("are not a stream limit, a missing stream or a broker that did not answer", () => {
    expect(isWrongLastSequence(failure(10077, "maximum messages per subject exceeded"))).toBe(false)
    expect(isWrongLastSequence(failure(10059, "stream not found"))).toBe(false)
    expect(isWrongLastSequence(failure(null, "TIMEOUT wrong last sequence"))).toBe(false)
  })
})
