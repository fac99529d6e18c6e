import { Deferred, Effect, Fiber, Layer, References } from "effect"
import { describe, expect, it } from "vitest"
import { makeConsumerActor } from "../../src/actors/ConsumerActor.ts"
import { JobHandlers, RetryableJobError, TerminalJobError } from "../../src/actors/JobHandler.ts"
import { WorkerSettings } from "../../src/actors/WorkerSettings.ts"
import { type Command, commandSubject, type IngestEventCommand } from "../../src/jobs/Commands.ts"
import { defaultCommandRules, JobCommands } from "../../src/jobs/JobCommands.ts"
import { queuedStatus } from "../../src/jobs/JobTransitions.ts"
import { defaultTopologySettings, Topology } from "../../src/queue/Topology.ts"
import { inMemoryDeadLetter, inMemoryStatusStore, recordedDelivery } from "../support/InMemoryQueue.ts"

/**
 * The consumer actor's outcome table, row by row, against in-memory status and dead-letter
 * stand-ins: what each way a run can end does to the job's status and to its message. The same
 * paths run against a real nats-server in ConsumerActor.it.test.ts and WorkerPool.it.test.ts.
 */

const MAX_DELIVER = 3
const settings = { concurrency: 1, shutdownGraceMillis: 1000, retryBaseMillis: 100, retryMaxMillis: 1000 }

/** An `ingest_event` handler whose track slug says what the job does. */
const scripted = (started: Deferred.Deferred<void>, gate: Deferred.Deferred<void>) =>
  JobHandlers.fromMap({
    ingest_event: (command) => {
      switch (command.track_slug) {
        case "gated":
          // Runs until the test opens the gate, and says at which depth it ran.
          return Deferred.succeed(started, undefined).pipe(
            Effect.andThen(Deferred.await(gate)),
            Effect.as({ depth: command.depth })
          )
        case "ok":
          return Effect.succeed({ stored: command.event_id })
        case "retry":
          return Effect.fail(new RetryableJobError({ code: "LIVERC_UNAVAILABLE", message: "503" }))
        case "terminal":
          return Effect.fail(new TerminalJobError({ code: "EVENT_NOT_FOUND", message: "404" }))
        case "defect":
          return Effect.die(new Error("boom"))
        default:
          return Deferred.succeed(started, undefined).pipe(Effect.andThen(Effect.never))
      }
    },
    sync_tracks: () => Effect.succeed({}),
    sync_events: () => Effect.succeed({}),
    discover_practice: () => Effect.succeed({ ran: true }),
    sync_followed_events: () => Effect.succeed({}),
    ingest_recent: () => Effect.succeed({})
  })

const setup = (topology: Partial<typeof defaultTopologySettings> = {}) =>
  Effect.gen(function*() {
    const store = inMemoryStatusStore()
    const dlq = inMemoryDeadLetter()
    const started = yield* Deferred.make<void>()
    const gate = yield* Deferred.make<void>()
    const actor = yield* makeConsumerActor.pipe(Effect.provide(Layer.mergeAll(
      store.layer,
      dlq.layer,
      Layer.succeed(JobHandlers, scripted(started, gate)),
      WorkerSettings.layerFrom(settings),
      JobCommands.layerFrom(defaultCommandRules),
      Topology.layerFrom({ ...defaultTopologySettings, maxDeliver: MAX_DELIVER, ...topology })
    )))
    /** Enqueues `command` (status queued at `seq`) and delivers it as delivery number `attempt`. */
    const deliver = (command: Command, seq: number, attempt = 1) => {
      store.put(queuedStatus(command, seq, new Date().toISOString()))
      return recordedDelivery({ subject: commandSubject(command), seq, deliveryCount: attempt, body: JSON.stringify(command) })
    }
    return { store, dlq, started, gate, actor, deliver }
  })

let nextId = 0
const eventJob = (script: string): IngestEventCommand => ({
  v: 1,
  job_id: `job-unit-${String(++nextId).padStart(4, "0")}`,
  kind: "ingest_event",
  event_id: String(1000 + nextId),
  track_slug: script,
  depth: "summary"
}) as IngestEventCommand

const run = <A>(effect: Effect.Effect<A>) => Effect.runPromise(effect.pipe(Effect.provideService(References.MinimumLogLevel, "None")))

describe("consumer actor outcome table", () => {
  it("completes a successful job with its result and acknowledges the message", () =>
    run(Effect.gen(function*() {
      const { actor, deliver, dlq, store } = yield* setup()
      const command = eventJob("ok")
      const delivery = deliver(command, 1)
      yield* actor.handle(delivery)
      expect(store.current(command.job_id)).toMatchObject({ status: "completed", result: { stored: command.event_id }, attempts: 1 })
      expect(delivery.actions).toEqual(["ack"])
      expect(dlq.letters).toEqual([])
    })))

  it("queues a retryable failure again with its error and naks with the backoff of its attempt", () =>
    run(Effect.gen(function*() {
      const { actor, deliver, store } = yield* setup()
      const command = eventJob("retry")
      const first = deliver(command, 2, 1)
      yield* actor.handle(first)
      expect(store.current(command.job_id)).toMatchObject({ status: "queued", error_code: "LIVERC_UNAVAILABLE", attempts: 1 })
      expect(first.actions).toEqual([{ nak: 100 }])
      const second = recordedDelivery({ subject: first.subject, seq: 2, deliveryCount: 2, body: JSON.stringify(command) })
      yield* actor.handle(second)
      expect(second.actions).toEqual([{ nak: 200 }])
    })))

  it("fails a retryable job on its last delivery: status failed, a dead letter, the message termed", () =>
    run(Effect.gen(function*() {
      const { actor, deliver, dlq, store } = yield* setup()
      const command = eventJob("retry")
      const delivery = deliver(command, 3, MAX_DELIVER)
      yield* actor.handle(delivery)
      expect(store.current(command.job_id)).toMatchObject({
        status: "failed",
        error_code: "LIVERC_UNAVAILABLE",
        error_message: `503 (gave up after ${MAX_DELIVER} deliveries)`,
        attempts: MAX_DELIVER
      })
      expect(dlq.letters).toEqual([{ seq: 3, subject: delivery.subject, reason: expect.objectContaining({ code: "LIVERC_UNAVAILABLE", attempts: MAX_DELIVER }) }])
      expect(delivery.actions).toEqual(["term"])
    })))

  it("fails a terminal error at once, whatever deliveries are left", () =>
    run(Effect.gen(function*() {
      const { actor, deliver, dlq, store } = yield* setup()
      const command = eventJob("terminal")
      const delivery = deliver(command, 4)
      yield* actor.handle(delivery)
      expect(store.current(command.job_id)).toMatchObject({ status: "failed", error_code: "EVENT_NOT_FOUND", error_message: "404" })
      expect(dlq.letters.map((l) => l.reason.code)).toEqual(["EVENT_NOT_FOUND"])
      expect(delivery.actions).toEqual(["term"])
    })))

  it("treats a defect as a retryable INTERNAL_ERROR", () =>
    run(Effect.gen(function*() {
      const { actor, deliver, store } = yield* setup()
      const command = eventJob("defect")
      const delivery = deliver(command, 5)
      yield* actor.handle(delivery)
      expect(store.current(command.job_id)).toMatchObject({ status: "queued", error_code: "INTERNAL_ERROR" })
      expect(store.current(command.job_id)?.error_message).toContain("boom")
      expect(delivery.actions).toEqual([{ nak: 100 }])
    })))

  it("cancels a running job on its signal: status cancelled, the message termed", () =>
    run(Effect.gen(function*() {
      const { actor, deliver, started, store } = yield* setup()
      const command = eventJob("hang")
      const delivery = deliver(command, 6)
      const handling = yield* Effect.forkChild(actor.handle(delivery))
      yield* Deferred.await(started)
      yield* actor.signal(command.job_id, "cancelled")
      yield* Fiber.join(handling)
      expect(store.current(command.job_id)).toMatchObject({ status: "cancelled", cancel_requested: true })
      expect(delivery.actions).toEqual(["term"])
    })))

  it("runs a job raised while it ran again, as raised, before completing it (upgrade signal)", () =>
    run(Effect.gen(function*() {
      const { actor, deliver, gate, started, store } = yield* setup()
      const command = eventJob("gated")
      const delivery = deliver(command, 8)
      const handling = yield* Effect.forkChild(actor.handle(delivery))
      yield* Deferred.await(started)
      // What a gateway does for a laps_full request: raise the params (a write), then signal.
      const live = store.current(command.job_id)!
      store.put({ ...live, params: { ...live.params, depth: "laps_full" } })
      yield* actor.raise(command.job_id)
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(handling)
      expect(store.current(command.job_id)).toMatchObject({
        status: "completed",
        attempts: 1,
        params: { depth: "laps_full" },
        result: { depth: "laps_full" }
      })
      expect(delivery.actions).toEqual(["ack"])
    })))

  it("takes upgrade signals for other or made-up job ids as nothing: the running job completes as it was", () =>
    run(Effect.gen(function*() {
      const { actor, deliver, gate, started, store } = yield* setup()
      const command = eventJob("gated")
      const delivery = deliver(command, 10)
      const handling = yield* Effect.forkChild(actor.handle(delivery))
      yield* Deferred.await(started)
      // Anyone can publish on the signal subject; only the id of a job running here means anything.
      for (const junk of ["", "job-unknown-0001", `${command.job_id}x`, "\u0000".repeat(10_000), "*", ">"]) {
        yield* actor.raise(junk)
      }
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(handling)
      expect(store.current(command.job_id)).toMatchObject({ status: "completed", attempts: 1, result: { depth: "summary" } })
      expect(delivery.actions).toEqual(["ack"])
    })))

  it("hands back a job raised unseen instead of completing it; its next delivery runs as raised", () =>
    run(Effect.gen(function*() {
      const { actor, deliver, gate, started, store } = yield* setup()
      const command = eventJob("gated")
      const first = deliver(command, 9)
      const handling = yield* Effect.forkChild(actor.handle(first))
      yield* Deferred.await(started)
      // Raised, and the signal lost: the completion's CAS write finds the status changed.
      const live = store.current(command.job_id)!
      store.put({ ...live, params: { ...live.params, depth: "laps_full" } })
      yield* Deferred.succeed(gate, undefined)
      yield* Fiber.join(handling)
      expect(store.current(command.job_id)).toMatchObject({ status: "queued", params: { depth: "laps_full" } })
      expect(first.actions).toEqual([{ nak: undefined }])
      const second = recordedDelivery({ subject: first.subject, seq: 9, deliveryCount: 2, body: JSON.stringify(command) })
      yield* actor.handle(second)
      expect(store.current(command.job_id)).toMatchObject({ status: "completed", attempts: 2, result: { depth: "laps_full" } })
      expect(second.actions).toEqual(["ack"])
    })))

  it("hands a job back at shutdown: status queued without an error, nak for immediate redelivery", () =>
    run(Effect.gen(function*() {
      const { actor, deliver, started, store } = yield* setup()
      const command = eventJob("hang")
      const delivery = deliver(command, 7)
      const handling = yield* Effect.forkChild(actor.handle(delivery))
      yield* Deferred.await(started)
      yield* actor.stopAll("shutdown")
      yield* Fiber.join(handling)
      expect(store.current(command.job_id)).toMatchObject({ status: "queued", error_code: null })
      expect(delivery.actions).toEqual([{ nak: undefined }])
    })))

  it("dead-letters a command the schema refuses, failing the job it names", () =>
    run(Effect.gen(function*() {
      const { actor, dlq, store } = yield* setup()
      const command = eventJob("ok")
      store.put(queuedStatus(command, 8, new Date().toISOString()))
      const delivery = recordedDelivery({
        subject: commandSubject(command),
        seq: 8,
        body: JSON.stringify({ ...command, event_id: "not-an-id" })
      })
      yield* actor.handle(delivery)
      expect(dlq.letters.map((l) => l.reason.code)).toEqual(["INVALID_COMMAND"])
      expect(store.current(command.job_id)).toMatchObject({ status: "failed", error_code: "INVALID_COMMAND" })
      expect(delivery.actions).toEqual(["term"])
    })))

  it("fails a command that breaks a rule of JobCommands with the rule's code, without running it", () =>
    run(Effect.gen(function*() {
      const { actor, deliver, dlq, store } = yield* setup()
      const command = {
        v: 1,
        job_id: "job-unit-range",
        kind: "discover_practice",
        track_slug: "bbrcc",
        from: "2020-01-01",
        to: "2025-01-01"
      } as Command
      const delivery = deliver(command, 9)
      yield* actor.handle(delivery)
      expect(store.current(command.job_id)).toMatchObject({ status: "failed", error_code: "RANGE_TOO_LONG", result: null })
      expect(dlq.letters.map((l) => l.reason.code)).toEqual(["RANGE_TOO_LONG"])
    })))

  it("acknowledges a redelivery of a job that already completed without running it again", () =>
    run(Effect.gen(function*() {
      const { actor, deliver, store } = yield* setup()
      const command = eventJob("hang")
      deliver(command, 10)
      store.put({ ...store.current(command.job_id)!, status: "completed", result: {} })
      const writes = store.writes.length
      const delivery = recordedDelivery({ subject: commandSubject(command), seq: 10, deliveryCount: 2, body: JSON.stringify(command) })
      yield* actor.handle(delivery)
      expect(delivery.actions).toEqual(["ack"])
      expect(store.writes.length).toBe(writes)
    })))

  it("answers a redelivery of a job it is running on the new delivery, without running it twice", () =>
    run(Effect.gen(function*() {
      const { actor, deliver, started, store } = yield* setup()
      const command = eventJob("hang")
      const first = deliver(command, 11)
      const handling = yield* Effect.forkChild(actor.handle(first))
      yield* Deferred.await(started)
      const second = recordedDelivery({ subject: first.subject, seq: 11, deliveryCount: 2, body: JSON.stringify(command) })
      yield* actor.handle(second)
      expect(actor.running()).toBe(1)
      yield* actor.signal(command.job_id, "cancelled")
      yield* Fiber.join(handling)
      expect(second.actions).toEqual(["working", "term"])
      expect(first.actions).toEqual([])
      expect(store.current(command.job_id)).toMatchObject({ status: "cancelled", attempts: 2 })
    })))

  it("lets go of a job a later delivery holds elsewhere: no status write, no answer on its stale delivery", () =>
    run(Effect.gen(function*() {
      // Heartbeats every 100 ms, so the takeover is noticed within the test.
      const { actor, deliver, started, store } = yield* setup({ ackWaitMillis: 300 })
      const heartbeats = yield* Effect.forkChild(actor.heartbeats)
      const command = eventJob("hang")
      const delivery = deliver(command, 12)
      const handling = yield* Effect.forkChild(actor.handle(delivery))
      yield* Deferred.await(started)
      // This worker stalled past the ack wait; another one took delivery 2 and marked it running.
      const takenOver = { ...store.current(command.job_id)!, status: "running" as const, attempts: 2 }
      store.put(takenOver)
      const writes = store.writes.length
      yield* Fiber.join(handling)
      expect(delivery.actions.filter((a) => a !== "working")).toEqual([])
      expect(store.writes.length).toBe(writes)
      expect(store.current(command.job_id)).toEqual(takenOver)
      yield* Fiber.interrupt(heartbeats)
    })))
})
