import { Effect, Option } from "effect"
import { HttpApiBuilder } from "effect/http-api"
import { ServiceUnavailable } from "./ApiErrors.ts"
import { ok } from "./Envelope.ts"
import { GatewayApi } from "./GatewayApi.ts"
import { QueueGauges, scrape } from "./GatewayMetrics.ts"
import { describeReadiness, Readiness } from "./Readiness.ts"

/** Liveness, readiness and the Prometheus exposition. */
export const SystemEndpoints = HttpApiBuilder.group(
  GatewayApi,
  "system",
  Effect.fn(function*(handlers) {
    const readiness = yield* Readiness
    const gauges = yield* QueueGauges
    return handlers.handleAll({
      healthz: () => Effect.succeed(ok({ status: "ok" as const })),
      readyz: () =>
        readiness.check.pipe(
          Effect.flatMap((report) =>
            Option.isNone(report.nats) && Option.isNone(report.postgres)
              ? Effect.succeed(ok({ nats: "ok" as const, postgres: "ok" as const }))
              : Effect.fail(new ServiceUnavailable({ code: "NOT_READY", message: describeReadiness(report) }))
          )
        ),
      metrics: () => scrape(gauges)
    })
  })
)
