import { createInbox, type Msg, type NatsConnection } from "@nats-io/transport-node"
import { Cause, Effect, Queue, type Scope } from "effect"
import { supervisedLoop } from "../observability/Supervision.ts"
import { type Delivery, toDelivery } from "../queue/Delivery.ts"

/**
 * Pulls from a durable pull consumer exactly as many messages as this process has idle actors.
 *
 * The official `consume()` re-pulls when its buffer runs low, not when work finishes, so a
 * process can hold messages it has no actor for: they count against the cluster-wide
 * `max_ack_pending` while another process sits idle, and their ack wait runs. Here every pull
 * request asks for `idle actors - buffered - already requested` messages, on one inbox of our
 * own, so in-flight messages never exceed the actors that can run them.
 *
 * Bookkeeping: a delivery decrements `outstanding`; a 408/409 that ends a request carries how
 * many of its messages were never sent (Nats-Pending-Messages) and decrements the rest. Requests
 * ask for idle heartbeats; when none arrive for a while the server has lost our requests (it
 * restarted, or the consumer moved) and the count starts over.
 */

export interface DemandPullerOptions {
  readonly nc: NatsConnection
  /**
   * How pull requests and the deliveries' acks leave (JetStreamRequests.publishLater: with the
   * other messages of the same turn, in one write); a plain publish when not given.
   */
  readonly send?: (subject: string, payload: string | Uint8Array, reply?: string) => void
  readonly stream: string
  readonly consumer: string
  readonly capacity: number
  readonly expiresMillis?: number
  readonly heartbeatMillis?: number
}

export interface DemandPuller {
  /** The next delivery for an idle actor; fails with Done once the puller has stopped. */
  readonly take: Effect.Effect<Delivery, Cause.Done>
  /** The actor that took a delivery is idle again. */
  readonly release: Effect.Effect<void>
  /** Stops pulling; deliveries not yet taken (and any that still arrive) are nak'd for others. */
  readonly stop: Effect.Effect<void>
}

const PENDING_MESSAGES = "Nats-Pending-Messages"

export const makeDemandPuller = (options: DemandPullerOptions): Effect.Effect<DemandPuller, never, Scope.Scope> =>
  Effect.gen(function*() {
    const { capacity, nc } = options
    const send = options.send ??
      ((subject: string, payload: string | Uint8Array, reply?: string) =>
        nc.publish(subject, payload, reply === undefined ? undefined : { reply }))
    const expiresMillis = options.expiresMillis ?? 20_000
    const heartbeatMillis = options.heartbeatMillis ?? 2_000
    const nextSubject = `$JS.API.CONSUMER.MSG.NEXT.${options.stream}.${options.consumer}`
    const inbox = createInbox()
    const queue = yield* Queue.unbounded<Delivery, Cause.Done>()

    let busy = 0
    let buffered = 0
    let outstanding = 0
    let stopped = false
    let lastHeard = Date.now()
    let topUpScheduled = false

    // One pull request per finished job would cost the server a request per job; asking once a
    // quarter of the actors are idle costs it one per batch. With nothing on its way, any idle
    // actor asks at once, so a quiet queue is answered as fast as before.
    const minBatch = Math.max(1, Math.floor(capacity / 4))

    const topUp = () => {
      topUpScheduled = false
      if (stopped || nc.isClosed()) return
      const want = capacity - busy - buffered - outstanding
      if (want <= 0 || (want < minBatch && outstanding + buffered > 0)) return
      if (outstanding === 0) lastHeard = Date.now()
      outstanding += want
      send(
        nextSubject,
        JSON.stringify({ batch: want, expires: expiresMillis * 1_000_000, idle_heartbeat: heartbeatMillis * 1_000_000 }),
        inbox
      )
    }
    // Actors finishing in the same tick share one pull request.
    const scheduleTopUp = () => {
      if (topUpScheduled) return
      topUpScheduled = true
      setImmediate(topUp)
    }

    const onMessage = (msg: Msg) => {
      lastHeard = Date.now()
      const status = msg.headers?.code ?? 0
      if (status !== 0 && msg.data.length === 0) {
        if (status === 100) return // idle heartbeat: our requests are alive
        const pending = Number(msg.headers?.get(PENDING_MESSAGES) ?? "")
        // A request ended early (408 expired, 409 refused). Without a count, assume all lost.
        outstanding = Number.isFinite(pending) && pending > 0 ? Math.max(0, outstanding - pending) : 0
        if (status === 408) scheduleTopUp()
        // Anything else (consumer deleted, too many waiting requests, no JetStream): ask again
        // later rather than in a tight loop.
        else setTimeout(topUp, heartbeatMillis).unref()
        return
      }
      const delivery = toDelivery(send, msg)
      if (delivery === undefined) return
      outstanding = Math.max(0, outstanding - 1)
      if (stopped) {
        delivery.nak()
        return
      }
      buffered++
      Queue.offerUnsafe(queue, delivery)
    }

    const sub = yield* Effect.acquireRelease(
      Effect.sync(() => nc.subscribe(inbox, { callback: (_error, msg) => onMessage(msg) })),
      (s) => Effect.sync(() => s.unsubscribe())
    )

    const stop = Effect.gen(function*() {
      if (stopped) return
      stopped = true
      // Unsubscribing makes the server drop our waiting requests; drain first delivers what was
      // already on its way, and the callback naks it.
      yield* Effect.promise(() => sub.drain().catch(() => undefined))
      const left = yield* Queue.clear(queue)
      for (const delivery of left) delivery.nak()
      buffered = 0
      yield* Queue.end(queue)
    })

    yield* Effect.addFinalizer(() => stop)

    // Requests the server forgot send no heartbeats: start the count over.
    yield* Effect.forkScoped(supervisedLoop(
      "pull request check",
      Effect.sync(() => {
        if (!stopped && outstanding > 0 && Date.now() - lastHeard > 2 * heartbeatMillis + 500) {
          outstanding = 0
          topUp()
        }
      }).pipe(Effect.andThen(Effect.sleep(heartbeatMillis)))
    ))

    topUp()

    const take = Effect.uninterruptibleMask((restore) =>
      restore(Queue.take(queue)).pipe(
        Effect.tap(() =>
          Effect.sync(() => {
            buffered--
            busy++
          })
        )
      )
    )

    const release = Effect.sync(() => {
      busy--
      scheduleTopUp()
    })

    return { take, release, stop } satisfies DemandPuller
  })
