import { Effect, Layer } from "effect"
import { runService } from "../../src/cli/ServiceRunner.ts"
import { WorkerLive } from "../../src/layers.ts"
import { emit, TestHandlers } from "./TestHandlers.ts"

/**
 * A worker process for tests: the real WorkerLive (pool, dead-letter watch, status keeper) with
 * the scripted TestHandlers, configured by the environment like the real one (NATS_URL,
 * WORKER_CONCURRENCY, INGEST_*). Prints `{"ev":"ready"}` once the pool runs.
 */
const Ready = Layer.effectDiscard(Effect.sync(() => emit({ ev: "ready" }))).pipe(
  Layer.provide(WorkerLive(TestHandlers))
)

Effect.runFork(
  runService(Ready).pipe(
    Effect.catchCause((cause) =>
      Effect.sync(() => {
        process.stderr.write(`test worker failed: ${String(cause)}\n`)
        process.exit(1)
      })
    )
  )
)
