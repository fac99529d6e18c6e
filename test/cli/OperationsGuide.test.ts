import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { Command, commandSubject, JobKind } from "../../src/jobs/Commands.ts"
import { PRACTICE_NEGATIVE_BUCKET } from "../../src/streams/PracticeNegativeCache.ts"
import { THROTTLE_BUCKET } from "../../src/streams/ThrottleBucket.ts"
import { JOBS_BUCKET, WORKERS_CONSUMER } from "../../src/streams/Topology.ts"
import { topologyFiles } from "../../src/streams/TopologyExport.ts"
import { guidePublishes, guideResourceCommands, readGuide, shellWords } from "../support/GuideCommands.ts"

const decodeCommand = Schema.decodeUnknownSync(Schema.fromJsonString(Command))
const guide = readGuide()

describe("docs/operations.md", () => {
  it("shows a nats pub for every command kind, on the kind's subject, with Nats-Msg-Id = job_id", () => {
    const publishes = guidePublishes(guide)
    const kinds = new Set<string>()
    for (const publish of publishes) {
      const command = decodeCommand(publish.body)
      kinds.add(command.kind)
      expect(publish.subject, publish.line).toBe(commandSubject(command))
      expect(publish.headers, publish.line).toContainEqual(["Nats-Msg-Id", command.job_id])
      expect(publish.jetstream, `${publish.line}: without --jetstream the operator sees no PubAck`).toBe(true)
    }
    expect([...kinds].sort()).toEqual([...JobKind.literals].sort())
    const ids = publishes.map((p) => decodeCommand(p.body).job_id)
    expect(new Set(ids).size).toBe(ids.length)
  })

  it("names only streams, buckets and consumers that exist", () => {
    const streams = new Set(Object.keys(topologyFiles()).filter((p) => p.startsWith("streams/")).map((p) => p.slice(8, -5)))
    const buckets = new Set([JOBS_BUCKET, THROTTLE_BUCKET, PRACTICE_NEGATIVE_BUCKET])
    const commands = guideResourceCommands(guide)
    expect(commands.length).toBeGreaterThan(15)
    for (const { args, group, line } of commands) {
      if (group === "stream") expect(streams, line).toContain(args[0])
      if (group === "kv") expect(buckets, line).toContain(args[0])
      if (group === "consumer") {
        expect(args.slice(0, 2), line).toEqual(["INGEST", WORKERS_CONSUMER])
      }
    }
    for (const required of [
      "nats stream info INGEST",
      "nats consumer info INGEST ingest-workers",
      "nats kv get ingest_jobs",
      "nats kv watch ingest_jobs",
      "nats stream view INGEST_DLQ",
      "nats consumer edit INGEST ingest-workers --max-pending"
    ]) {
      expect(guide, required).toContain(required)
    }
  })

  it("reads words the way a shell does", () => {
    expect(shellWords(`nats pub a.b -H "K:v w" '{"x":"y z"}' c\\ d`)).toEqual(["nats", "pub", "a.b", "-H", "K:v w", "{\"x\":\"y z\"}", "c d"])
  })
})
