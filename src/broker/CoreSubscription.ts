import type { Msg, NatsConnection } from "@nats-io/transport-node"
import { Effect, Queue, type Scope } from "effect"

/**
 * A core NATS subscription as an Effect queue, unsubscribed when the scope closes. The client's
 * callback only enqueues, so no promise iterator is ever left pending across an interruption.
 */
export const subscribeQueue = (nc: NatsConnection, subject: string): Effect.Effect<Queue.Dequeue<Msg>, never, Scope.Scope> =>
  Effect.gen(function*() {
    const queue = yield* Queue.unbounded<Msg>()
    yield* Effect.acquireRelease(
      Effect.sync(() => nc.subscribe(subject, { callback: (_error, msg) => void Queue.offerUnsafe(queue, msg) })),
      (sub) => Effect.sync(() => sub.unsubscribe())
    )
    return queue
  })
