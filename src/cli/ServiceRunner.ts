import { Deferred, Effect, Layer } from "effect"

/**
 * Runs a long-lived service (a worker, a gateway, both, the demo) until SIGTERM or SIGINT, then
 * shuts it down gracefully by closing its scope (a worker pool's finalizer stops pulling, lets
 * jobs finish within SHUTDOWN_GRACE and hands back the rest; a gateway drains its requests) and
 * exits 0. The platform runner would report a signal as exit 130; a service that stopped cleanly
 * has done its job, so after its scope has closed it exits 0 itself.
 */
export const runService = <E, R>(service: Layer.Layer<never, E, R>): Effect.Effect<void, E, R> => {
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
    yield* Effect.scoped(Layer.build(service).pipe(
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
