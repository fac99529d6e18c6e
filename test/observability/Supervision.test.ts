import { Effect, Fiber, References } from "effect"
import { describe, expect, it } from "vitest"
import { registry } from "../../src/observability/Metrics.ts"
import { supervisedLoop } from "../../src/observability/Supervision.ts"

const failures = async (loop: string) =>
  (await registry.getSingleMetric("liverc_background_loop_failures_total")?.get())?.values
    .find((v) => v.labels["loop"] === loop)?.value ?? 0

describe("supervisedLoop", () => {
  it("goes on after a typed failure and after a defect, counting both, until interrupted", async () => {
    let runs = 0
    const iteration = Effect.suspend(() => {
      runs++
      if (runs === 2) return Effect.fail("a corrupt document")
      if (runs === 4) return Effect.die(new Error("a bug"))
      return Effect.void
    })
    await Effect.runPromise(Effect.gen(function*() {
      const fiber = yield* Effect.forkChild(supervisedLoop("test loop", iteration, "1 millis"))
      while (runs < 8) yield* Effect.sleep("5 millis")
      yield* Fiber.interrupt(fiber)
    }).pipe(Effect.provideService(References.MinimumLogLevel, "None")))
    expect(runs).toBeGreaterThanOrEqual(8)
    expect(await failures("test loop")).toBe(2)
  })
})
