import { Cause, Effect, FiberSet, Layer, Queue } from "effect"
import { subscribeQueue } from "../broker/CoreSubscription.ts"
import { supervisedLoop } from "../observability/Supervision.ts"
import { actorBusy, actorIdle, actorsStarted, actorsStopped } from "../observability/WorkerMetrics.ts"
import { IngestStreams } from "../queue/IngestStreams.ts"
import { CANCEL_SUBJECT, UPGRADE_SUBJECT } from "../queue/Topology.ts"
import { type ConsumerActor, makeConsumerActor } from "./ConsumerActor.ts"
import { type DemandPuller, makeDemandPuller } from "./DemandPuller.ts"
import { WorkerSettings } from "./WorkerSettings.ts"

/**
 * WORKER_CONCURRENCY actor fibers sharing one demand-driven puller on `ingest-workers`. The
 * consumer's max_ack_pending caps running jobs across all worker processes; this pool caps them
 * per process and never holds a message it has no free actor for.
 *
 * Shutdown (SIGTERM, or the layer's scope closing): stop pulling and hand back what was pulled but
 * not started; let running jobs finish for up to SHUTDOWN_GRACE; then interrupt the rest, which
 * puts them back in the queue (status queued, nak for immediate redelivery elsewhere).
 */

/** After the grace period, how long interrupted jobs get to write their status and nak. */
const HANDBACK_TIMEOUT = "10 seconds"

const actorLoop = (puller: DemandPuller, actor: ConsumerActor) =>
  Effect.gen(function*() {
    while (true) {
      const next = yield* Effect.exit(puller.take)
      if (next._tag === "Failure") {
        if (Cause.isDone(Cause.squash(next.cause)) || Cause.hasInterruptsOnly(next.cause)) return
        return yield* Effect.failCause(next.cause)
      }
      actorBusy()
      yield* actor.handle(next.value).pipe(Effect.ensuring(Effect.sync(actorIdle)), Effect.ensuring(puller.release))
    }
  })

export const WorkerPool = {
  layer: Layer.effectDiscard(Effect.gen(function*() {
    const { nats, topology } = yield* IngestStreams
    const settings = yield* WorkerSettings
    const actor = yield* makeConsumerActor

    yield* Effect.forkScoped(actor.heartbeats)
    const cancels = yield* subscribeQueue(nats.nc, CANCEL_SUBJECT)
    yield* Effect.forkScoped(supervisedLoop(
      "cancel signal listener",
      Queue.take(cancels).pipe(Effect.flatMap((msg) => actor.signal(msg.string(), "cancelled")))
    ))
    const upgrades = yield* subscribeQueue(nats.nc, UPGRADE_SUBJECT)
    yield* Effect.forkScoped(supervisedLoop(
      "upgrade signal listener",
      Queue.take(upgrades).pipe(Effect.flatMap((msg) => actor.raise(msg.string())))
    ))

    const puller = yield* makeDemandPuller({
      nc: nats.nc,
      send: nats.requests.publishLater,
      stream: topology.ingest.name,
      consumer: topology.workers.durable_name,
      capacity: settings.concurrency
    })
    const actors = yield* FiberSet.make<void, never>()
    yield* Effect.acquireRelease(
      Effect.sync(() => actorsStarted(settings.concurrency)),
      () => Effect.sync(() => actorsStopped(settings.concurrency))
    )
    for (let i = 0; i < settings.concurrency; i++) {
      yield* FiberSet.run(actors, actorLoop(puller, actor).pipe(Effect.catchCause((cause) => Effect.logError("actor died", cause))))
    }
    yield* Effect.logInfo(
      `worker pool started: ${settings.concurrency} actors on ${topology.ingest.name}/${topology.workers.durable_name} ` +
        `(cluster cap ${topology.settings.maxConcurrent})`
    )

    // Registered after the FiberSet, so it runs before the set interrupts what is left.
    yield* Effect.addFinalizer(() =>
      Effect.gen(function*() {
        yield* puller.stop
        const running = actor.running()
        if (running > 0) {
          yield* Effect.logInfo(`shutting down: waiting up to ${settings.shutdownGraceMillis} ms for ${running} running jobs`)
        }
        const finished = yield* FiberSet.awaitEmpty(actors).pipe(Effect.timeoutOption(settings.shutdownGraceMillis))
        if (finished._tag === "None") {
          yield* Effect.logWarning(`grace period over: handing back ${actor.running()} jobs`)
          yield* actor.stopAll("shutdown")
          yield* FiberSet.awaitEmpty(actors).pipe(Effect.timeoutOption(HANDBACK_TIMEOUT))
        }
        yield* Effect.logInfo("worker pool stopped")
      })
    )
  }))
}
