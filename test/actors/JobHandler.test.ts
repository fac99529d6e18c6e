import { Effect, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { JobHandlers, type JobHandlerMap } from "../../src/actors/JobHandler.ts"
import { Command } from "../../src/jobs/Commands.ts"

const decode = Schema.decodeUnknownSync(Command)
const context = { jobId: decode({ v: 1, job_id: "job-aaaaaaaa", kind: "sync_tracks" }).job_id, attempt: 1, reportProgress: () => Effect.void }

const handlerMap: JobHandlerMap = {
  ingest_event: (command) => Effect.succeed({ event: command.event_id }),
  sync_tracks: () => Effect.succeed({ tracks: 12 }),
  sync_events: (command) => Effect.succeed({ track: command.track_slug }),
  discover_practice: (command) => Effect.succeed({ from: command.from }),
  sync_followed_events: () => Effect.succeed({ tracks: 2 }),
  ingest_recent: (command) => Effect.succeed({ window_days: command.window_days })
}

describe("JobHandlers.fromMap", () => {
  const handlers = JobHandlers.fromMap(handlerMap)

  it("dispatches by command kind", async () => {
    const result = await Effect.runPromise(Effect.scoped(handlers.run(decode({ v: 1, job_id: "job-aaaaaaaa", kind: "sync_tracks" }), context)))
    expect(result).toEqual({ tracks: 12 })
    const events = await Effect.runPromise(Effect.scoped(handlers.run(
      decode({ v: 1, job_id: "job-bbbbbbbb", kind: "sync_events", track_slug: "bbrcc" }),
      context
    )))
    expect(events).toEqual({ track: "bbrcc" })
  })

  it("refuses, at compile time, a map that lacks a handler for some kind", () => {
    const { sync_events: _dropped, ...partial } = handlerMap
    // @ts-expect-error sync_events has no handler: a new job kind cannot ship without one.
    const incomplete: JobHandlerMap = partial
    expect(Object.keys(incomplete)).not.toContain("sync_events")
  })
})
