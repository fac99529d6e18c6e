import { Cause, type Duration, Effect } from "effect"
import { Counter } from "prom-client"
import { registry } from "./Metrics.ts"

/**
 * Background loops (the dead-letter sweep and advisory listener, heartbeats, the kill-switch poll,
 * cancel signals) must outlive any one bad iteration: a corrupt document or a bug in one pass is
 * logged and counted, and the loop goes on after a pause. Only interruption (the process
 * shutting down) ends one.
 */

const failuresTotal = new Counter({
  name: "liverc_background_loop_failures_total",
  help: "Iterations of a background loop that failed or crashed; the loop carried on",
  labelNames: ["loop"] as const,
  registers: [registry]
})

/** Runs `iteration` again and again for ever; a failure or defect is logged, counted and followed by `pause`. */
export const supervisedLoop = <E, R>(
  name: string,
  iteration: Effect.Effect<unknown, E, R>,
  pause: Duration.Input = "1 second"
): Effect.Effect<never, never, R> =>
  iteration.pipe(
    Effect.asVoid,
    Effect.catchCause((cause) =>
      Cause.hasInterruptsOnly(cause)
        ? Effect.interrupt
        : Effect.logError(`${name} failed; it carries on`, cause).pipe(
          Effect.andThen(Effect.sync(() => failuresTotal.inc({ loop: name }))),
          Effect.andThen(Effect.sleep(pause))
        )
    ),
    Effect.forever
  )
