import { createServer } from "node:http"
import { NodeHttpServer } from "@effect/platform-node"
import { Duration, Effect, Layer, Option } from "effect"
import { HttpRouter } from "effect/http"
import { HttpApiBuilder, HttpApiScalar } from "effect/http-api"
import { collectProcessMetrics } from "../observability/Metrics.ts"
import { AdminEndpoints } from "./AdminEndpoints.ts"
import { edgeMiddleware } from "./EdgeMiddleware.ts"
import { DOCS_PATH, GatewayApi, OPENAPI_PATH } from "./GatewayApi.ts"
import { GatewaySettings, type GatewaySettingsShape } from "./GatewayConfig.ts"
import { GatewayMiddlewareLive } from "./GatewayMiddleware.ts"
import { IngestEndpoints } from "./IngestEndpoints.ts"
import { JobEndpoints } from "./JobEndpoints.ts"
import { SystemEndpoints } from "./SystemEndpoints.ts"

/**
 * The gateway's HTTP server: the GatewayApi routes, the OpenAPI page at /docs (Scalar, bundled,
 * no CDN) with the JSON document at /docs/openapi.json, CORS, and the edge middleware. On close
 * (SIGTERM) it stops accepting connections and gives requests in flight GATEWAY_SHUTDOWN_GRACE to
 * finish; the services it uses (NATS, Postgres) are provided from outside and close after it.
 */

const ApiRoutes = HttpApiBuilder.layer(GatewayApi, { openapiPath: OPENAPI_PATH }).pipe(
  Layer.provide([IngestEndpoints, JobEndpoints, AdminEndpoints, SystemEndpoints]),
  Layer.provide(GatewayMiddlewareLive)
)

const DocsRoute = HttpApiScalar.layer(GatewayApi, { path: DOCS_PATH })

const corsFor = (origins: ReadonlyArray<string>) =>
  origins.length === 0 ? Layer.empty : HttpRouter.cors({
    // HttpRouter.cors answers any origin for an empty list.
    allowedOrigins: origins.includes("*") ? [] : origins,
    allowedMethods: ["GET", "POST", "PUT", "DELETE", "OPTIONS"],
    allowedHeaders: ["authorization", "content-type"],
    exposedHeaders: ["retry-after"],
    maxAge: 600
  })

const isLoopback = (host: string) => host === "localhost" || host === "::1" || host.startsWith("127.")

const warnIfOpen = (settings: GatewaySettingsShape) =>
  !isLoopback(settings.host) && Option.isNone(settings.token)
    ? Effect.logWarning(
      `gateway listens on ${settings.host} without GATEWAY_TOKEN: anyone who reaches it can enqueue jobs and pause LiveRC traffic`
    )
    : Effect.void

export const GatewayServer = {
  /** Needs JobQueue, EventReader, KillSwitch, Readiness and QueueGauges. */
  layer: Layer.unwrap(Effect.gen(function*() {
    const settings = yield* GatewaySettings
    yield* warnIfOpen(settings)
    yield* collectProcessMetrics
    let draining = false
    const routes = Layer.mergeAll(ApiRoutes, DocsRoute, edgeMiddleware(() => draining), corsFor(settings.corsOrigins))
    return HttpRouter.serve(routes, { disableLogger: true }).pipe(
      Layer.provide(NodeHttpServer.layer(() => createServer(), {
        port: settings.port,
        host: settings.host,
        gracefulShutdownTimeout: Duration.millis(settings.shutdownGraceMillis)
      })),
      // Registered after the server started, so it runs before the server closes.
      Layer.tap(() =>
        Effect.addFinalizer(() =>
          Effect.sync(() => {
            draining = true
          })
        )
      )
    )
  })).pipe(Layer.provide(GatewaySettings.layer))
}
