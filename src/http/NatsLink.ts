import { Context, Effect, Layer } from "effect"
import { onConnectionStatus } from "../broker/ConnectionStatus.ts"
import { IngestStreams } from "../queue/IngestStreams.ts"
import { ServiceUnavailable } from "./ApiErrors.ts"

/**
 * Whether this process's NATS connection is up, from the client's own status events. While it is
 * down (the client reconnects for ever) a request that needs NATS is answered 503 at once instead
 * of after the JetStream request timeout (5 s): nothing is sent, so nothing is half done.
 */
export class NatsLink extends Context.Service<NatsLink, {
  readonly isUp: Effect.Effect<boolean>
  /** Runs `effect` only while the connection is up. */
  readonly whenUp: <A, E, R>(effect: Effect.Effect<A, E, R>) => Effect.Effect<A, E | ServiceUnavailable, R>
}>()("liverc-ingest/http/NatsLink") {
  static readonly layer = Layer.effect(
    NatsLink,
    Effect.gen(function*() {
      const { nats } = yield* IngestStreams
      let up = !nats.nc.isClosed()
      yield* onConnectionStatus(nats.nc, (status) => {
        if (status.type === "disconnect") up = false
        else if (status.type === "reconnect") up = true
      })
      const isUp = Effect.sync(() => up && !nats.nc.isClosed())
      const down = new ServiceUnavailable({
        code: "QUEUE_UNAVAILABLE",
        message: "NATS is not reachable from this gateway right now (reconnecting); retry later"
      })
      return NatsLink.of({
        isUp,
        whenUp: <A, E, R>(effect: Effect.Effect<A, E, R>) =>
          Effect.flatMap(isUp, (ok): Effect.Effect<A, E | ServiceUnavailable, R> => ok ? effect : Effect.fail(down))
      })
    })
  )
}
