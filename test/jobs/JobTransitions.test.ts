import { Schema } from "effect"
import { describe, expect, it } from "vitest"
import { Command } from "../../src/jobs/Commands.ts"
import type { JobStatus } from "../../src/jobs/JobStatus.ts"
import {
  commandParams,
  queuedStatus,
  toCancelled,
  toCompleted,
  toFailed,
  toRequeued,
  toRetrying,
  toRunning,
  touched,
  withProgress
} from "../../src/jobs/JobTransitions.ts"

const command = Schema.decodeUnknownSync(Command)({
  v: 1,
  job_id: "job-0123456789",
  kind: "ingest_event",
  event_id: "486677",
  track_slug: "canberraoffroad",
  depth: "laps_full",
  requested_at: "2026-11-29T00:00:00Z"
})
const t0 = "2026-11-29T01:00:00.000Z"
const t1 = "2026-11-29T01:00:05.000Z"
const queued = queuedStatus(command, 17, t0)
const running = toRunning(queued, 1, t1)!

describe("JobTransitions", () => {
  it("builds the queued document from the command, without the envelope", () => {
    expect(commandParams(command)).toEqual({ event_id: "486677", track_slug: "canberraoffroad", depth: "laps_full" })
    expect(queued).toMatchObject({ job_id: "job-0123456789", kind: "ingest_event", status: "queued", attempts: 0, stream_seq: 17 })
  })

  it("runs, retries and completes a live job", () => {
    expect(running).toMatchObject({ status: "running", attempts: 1, updated_at: t1 })
    expect(toRetrying(running, "LIVERC_UNAVAILABLE", "503", t1)).toMatchObject({
      status: "queued",
      error_code: "LIVERC_UNAVAILABLE"
    })
    expect(toCompleted(running, { races: 3 }, t1)).toMatchObject({ status: "completed", result: { races: 3 }, error_code: null })
    expect(toFailed(running, "EVENT_NOT_FOUND", "404", t1)).toMatchObject({ status: "failed", error_message: "404" })
    expect(toCancelled(queued, t1)).toMatchObject({ status: "cancelled", cancel_requested: true })
    expect(toRequeued(running, t1)).toMatchObject({ status: "queued", attempts: 1 })
  })

  it("never reopens or rewrites a finished job", () => {
    const finished: ReadonlyArray<JobStatus> = [
      toCompleted(running, {}, t1)!,
      toFailed(running, "X", "x", t1)!,
      toCancelled(running, t1)!
    ]
    for (const status of finished) {
      expect(toRunning(status, 2, t1), status.status).toBeUndefined()
      expect(toCompleted(status, {}, t1), status.status).toBeUndefined()
      expect(toFailed(status, "X", "x", t1), status.status).toBeUndefined()
      expect(toRetrying(status, "X", "x", t1), status.status).toBeUndefined()
      expect(toCancelled(status, t1), status.status).toBeUndefined()
      expect(toRequeued(status, t1), status.status).toBeUndefined()
      expect(touched(status, t1), status.status).toBeUndefined()
    }
  })

  it("stores progress only while running", () => {
    const progress = { stage: "fetch", done: 2, total: 5 }
    expect(withProgress(running, progress, t1)?.progress).toEqual(progress)
    expect(withProgress(queued, progress, t1)).toBeUndefined()
  })
})
