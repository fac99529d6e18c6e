import { Effect, Exit, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { JobHandlers, TerminalJobError } from "../../src/actors/JobHandler.ts"
import { Command } from "../../src/jobs/Commands.ts"

const decode = Schema.decodeUnknownSync(Command)
const context = { jobId: decode({ v: 1, job_id: "job-aaaaaaaa", kind: "sync_tracks" }).job_id, attempt: 1, reportProgress: () => Effect.void }

describe("JobHandlers.fromMap", () => {
  const handlers = JobHandlers.fromMap({ sync_tracks: () => Effect.succeed({ tracks: 12 }) })

  it("dispatches by command kind", async () => {
    const result = await Effect.runPromise(Effect.scoped(handlers.run(decode({ v: 1, job_id: "job-aaaaaaaa", kind: "sync_tracks" }), context)))
    expect(result).toEqual({ tracks: 12 })
  })

  it("fails a kind without a handler terminally with NOT_IMPLEMENTED", async () => {
    const exit = await Effect.runPromiseExit(Effect.scoped(handlers.run(
      decode({ v: 1, job_id: "job-bbbbbbbb", kind: "sync_events", track_slug: "bbrcc" }),
      context
    )))
    expect(exit).toStrictEqual(Exit.fail(new TerminalJobError({ code: "NOT_IMPLEMENTED", message: "no handler for sync_events jobs yet" })))
  })
})
