import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { topologyFiles } from "../../src/cli/TopologyExport.ts"
import { Command, commandSubject, JobKind } from "../../src/jobs/Commands.ts"
import { PRACTICE_NEGATIVE_BUCKET } from "../../src/pipeline/PracticeNegativeCache.ts"
import { INGEST_STREAM, JOBS_BUCKET, SCHEDULE_RELAY_CONSUMER, SCHEDULES_STREAM, WORKERS_CONSUMER } from "../../src/queue/Topology.ts"
import { isEngagedValue } from "../../src/throttle/KillSwitch.ts"
import { bucketKey, CLOCK_KEY, KILL_SWITCH_KEY, THROTTLE_BUCKET } from "../../src/throttle/ThrottleBucket.ts"
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
        expect([[INGEST_STREAM, WORKERS_CONSUMER], [SCHEDULES_STREAM, SCHEDULE_RELAY_CONSUMER]], line).toContainEqual(args.slice(0, 2))
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

  it("pauses and resumes LiveRC with kill switch values the processes read that way", () => {
    const throttleKeys = [KILL_SWITCH_KEY, CLOCK_KEY, bucketKey("liverc")]
    for (const { args, line } of guideResourceCommands(guide)) {
      if (args[0] === THROTTLE_BUCKET && args[1] !== undefined) expect(throttleKeys, line).toContain(args[1])
    }
    // Each put of the switch with the guide's own line around it (its comment or sentence).
    const puts = [...guide.matchAll(/^.*nats kv put host_throttle killswitch ([^\s`]+).*$/gm)]
      .map((m) => ({ value: m[1]!, context: m[0] }))
    const pause = puts.filter(({ context }) => /\bpause\b/i.test(context))
    const resume = puts.filter(({ context }) => /\bresume\b/i.test(context))
    expect(pause.length, "a documented pause").toBeGreaterThan(0)
    expect(resume.length, "a documented resume").toBeGreaterThan(0)
    expect(pause.length + resume.length).toBe(puts.length)
    for (const { value, context } of pause) expect(isEngagedValue(value), context).toBe(true)
    for (const { value, context } of resume) expect(isEngagedValue(value), context).toBe(false)
  })

  it("reads words the way a shell does", () => {
    expect(shellWords(`nats pub a.b -H "K:v w" '{"x":"y z"}' c\\ d`)).toEqual(["nats", "pub", "a.b", "-H", "K:v w", "{\"x\":\"y z\"}", "c d"])
  })
})
