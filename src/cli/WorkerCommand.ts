import { Deferred, Effect, Layer } from "effect"
import { Command } from "effect/cli"
import { workerSettingsConfigFields } from "../actors/WorkerSettings.ts"
import { WorkerLive } from "../layers.ts"
import { metricsServerConfigFields } from "../observability/MetricsServer.ts"
import { PipelineHandlers } from "../pipeline/PipelineHandlers.ts"
import { topologyConfigFields } from "../streams/Topology.ts"
import { checkConfig } from "./ConfigCheck.ts"

/**
 * Runs a worker layer until SIGTERM or SIGINT, then shuts it down gracefully (the pool's
 * finalizer: stop pulling, let jobs finish within SHUTDOWN_GRACE, hand back the rest) and exits 0.
 * The platform runner would report a signal as exit 130; a worker that stopped cleanly has
 * done its job, so after its scope has closed it exits 0 itself.
 */
export const runWorker = <E, R>(worker: Layer.Layer<never, E, R>): Effect.Effect<void, E, R> => {
  let signalled = false
  let running = false
  return Effect.gen(function*() {
    const stop = yield* Deferred.make<void>()
    const onSignal = () => {
      // Still starting (e.g. waiting for the broker, which cannot be interrupted): nothing runs
      // yet that a graceful stop would protect.
      if (!running) process.exit(0)
      signalled = true
      Deferred.doneUnsafe(stop, Effect.void)
    }
    yield* Effect.acquireRelease(
      Effect.sync(() => {
        process.on("SIGTERM", onSignal)
        process.on("SIGINT", onSignal)
      }),
      () =>
        Effect.sync(() => {
          process.off("SIGTERM", onSignal)
          process.off("SIGINT", onSignal)
        })
    )
    yield* Effect.scoped(Layer.build(worker).pipe(
      Effect.andThen(Effect.sync(() => {
        running = true
      })),
      Effect.andThen(Deferred.await(stop))
    ))
  }).pipe(
    Effect.scoped,
    Effect.ensuring(Effect.sync(() => {
      if (signalled) process.exit(0)
    }))
  )
}

/** `liverc-ingest worker`: actors pulling ingest jobs until told to stop. */
export const workerCommand = Command.make("worker", {}, () =>
  checkConfig({ ...topologyConfigFields, ...workerSettingsConfigFields, ...metricsServerConfigFields }).pipe(
    Effect.andThen(runWorker(WorkerLive(PipelineHandlers)))
  )).pipe(
  Command.withDescription(
    "Run WORKER_CONCURRENCY job actors on the INGEST queue (NATS_URL) until SIGTERM; in-flight jobs get SHUTDOWN_GRACE to finish"
  )
)
