import { Effect } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import type { JetStreamFailure } from "../broker/JetStreamFailure.ts"
import { KillSwitch, type KillSwitchState } from "../throttle/KillSwitch.ts"
import { ServiceUnavailable } from "./ApiErrors.ts"
import { ok } from "./Envelope.ts"
import { GatewayApi } from "./GatewayApi.ts"
import { NatsLink } from "./NatsLink.ts"

/**
 * The global LiveRC kill switch for operators without the nats CLI: pausing here stops every
 * LiveRC request in every worker within about a second (KillSwitch.ts).
 */

const view = (state: KillSwitchState) => ({
  paused: state.engaged,
  value: state.value,
  changed_at: state.changedAt === null ? null : state.changedAt.toISOString(),
  revision: state.revision
})

const natsUnavailable = (failure: JetStreamFailure) =>
  new ServiceUnavailable({ code: "QUEUE_UNAVAILABLE", message: `NATS did not answer: ${failure.message}` })

export const AdminEndpoints = HttpApiBuilder.group(
  GatewayApi,
  "admin",
  Effect.fn(function*(handlers) {
    const killSwitch = yield* KillSwitch
    const link = yield* NatsLink
    const current = link.whenUp(killSwitch.get.pipe(Effect.mapError(natsUnavailable))).pipe(
      Effect.map((state) => ok(view(state)))
    )
    const write = (change: Effect.Effect<void, JetStreamFailure>, action: string) =>
      link.whenUp(change.pipe(Effect.mapError(natsUnavailable))).pipe(
        Effect.tap(() => Effect.logWarning(`gateway: LiveRC traffic ${action} by an admin request`)),
        Effect.andThen(current)
      )
    return handlers.handleAll({
      getPause: () => current,
      pause: () => write(killSwitch.set, "paused"),
      resume: () => write(killSwitch.clear, "resumed")
    })
  })
)
