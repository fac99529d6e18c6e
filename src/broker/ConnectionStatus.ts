import type { NatsConnection, Status } from "@nats-io/transport-node"
import { Effect, type Scope } from "effect"

/**
 * Calls `handler` for each status event of the connection (disconnect, reconnect, ...) until the
 * scope closes. The client's iterator is stopped on close, so no `next()` is left pending.
 */
export const onConnectionStatus = (
  nc: NatsConnection,
  handler: (status: Status) => void
): Effect.Effect<void, never, Scope.Scope> =>
  Effect.asVoid(Effect.acquireRelease(
    Effect.sync(() => {
      const statuses = nc.status()
      void (async () => {
        for await (const status of statuses) handler(status)
      })().catch(() => undefined)
      return statuses
    }),
    (statuses) =>
      Effect.sync(() => {
        // nats.js returns a QueuedIterator; `return()` would queue behind the pending next().
        if ("stop" in statuses && typeof statuses.stop === "function") statuses.stop()
      })
  ))
