import { flushCompileCache } from "node:module"
import { Deferred, Effect, Layer, Option } from "effect"
import { explainStartFailure, type ServiceStartFailed } from "./StartFailure.ts"

/**
 * Runs a long-lived service (a worker, a gateway, both, the demo) until SIGTERM or SIGINT, then
 * shuts it down gracefully by closing its scope (a worker pool's finalizer stops pulling, lets
 * jobs finish within SHUTDOWN_GRACE and hands back the rest; a gateway drains its requests) and
 * exits 0. The platform runner would report a signal as exit 130; a service that stopped cleanly
 * has done its job, so after its scope has closed it exits 0 itself. One that cannot start says
 * why in one line (StartFailure.ts).
 */
export const runService = <E, R>(service: Layer.Layer<never, E, R>): Effect.Effect<void, E | ServiceStartFailed, R> => {
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
        // Everything the service loads at start is loaded now. Node writes its compile cache
        // (bin/liverc-ingest.js) only at a clean exit, which a killed service never reaches.
        flushCompileCache()
      })),
      Effect.andThen(Deferred.await(stop))
    ))
  }).pipe(
    Effect.scoped,
    Effect.catch((error) =>
      explainStartFailure(error).pipe(Effect.flatMap((explained): Effect.Effect<never, E | ServiceStartFailed> => {
        if (Option.isNone(explained)) return Effect.fail(error)
        const failure = explained.value
        return Effect.sync(() => {
          if (failure.line !== "") process.stderr.write(`liverc-ingest: ${failure.line}\n`)
        }).pipe(Effect.andThen(Effect.fail(failure)))
      }))
    ),
    Effect.ensuring(Effect.sync(() => {
      if (signalled) process.exit(0)
    }))
  )
}
