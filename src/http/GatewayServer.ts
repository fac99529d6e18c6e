import { createServer, type Server, type ServerOptions } from "node:http"
import * as NodeHttpServer from "@effect/platform-node/NodeHttpServer"
import { Duration, Effect, Layer, Option } from "effect"
import { HttpRouter } from "effect/http"
import { HttpApiBuilder } from "effect/http-api"
import { collectProcessMetrics } from "../observability/Metrics.ts"
import { AdminEndpoints } from "./AdminEndpoints.ts"
import { DocsRoutes } from "./DocsRoutes.ts"
import { edgeMiddleware } from "./EdgeMiddleware.ts"
import { GatewayApi, OPENAPI_PATH } from "./GatewayApi.ts"
import { GatewaySettings, type GatewaySettingsShape } from "./GatewayConfig.ts"
import { GatewayMiddlewareLive, hostAllowlistOf } from "./GatewayMiddleware.ts"
import { EventEndpoints } from "./EventEndpoints.ts"
import { IngestEndpoints } from "./IngestEndpoints.ts"
import { JobEndpoints } from "./JobEndpoints.ts"
import { ScheduleEndpoints } from "./ScheduleEndpoints.ts"
import { SystemEndpoints } from "./SystemEndpoints.ts"
import { TrackEndpoints } from "./TrackEndpoints.ts"

/**
 * The gateway's HTTP server: the GatewayApi routes, the API reference at /docs (DocsRoutes.ts)
 * with the JSON document at /docs/openapi.json, CORS, and the edge middleware (Host
 * allowlist first). Node's server limits are set explicitly (nodeServerOptions). On close
 * (SIGTERM) it stops accepting connections and gives requests in flight GATEWAY_SHUTDOWN_GRACE to
 * finish; the services it uses (NATS, Postgres) are provided from outside and close after it.
 */

const ApiRoutes = HttpApiBuilder.layer(GatewayApi, { openapiPath: OPENAPI_PATH }).pipe(
  Layer.provide([
    IngestEndpoints,
    EventEndpoints,
    JobEndpoints,
    ScheduleEndpoints,
    TrackEndpoints,
    AdminEndpoints,
    SystemEndpoints
  ]),
  Layer.provide(GatewayMiddlewareLive)
)

const corsFor = (origins: ReadonlyArray<string>) =>
  origins.length === 0 ? Layer.empty : HttpRouter.cors({
    // HttpRouter.cors answers any origin for an empty list.
    allowedOrigins: origins.includes("*") ? [] : origins,
    allowedMethods: ["GET", "POST", "PUT", "DELETE", "OPTIONS"],
    allowedHeaders: ["authorization", "content-type"],
    exposedHeaders: ["retry-after"],
    maxAge: 600
  })

/**
 * Node's defaults let a client take 60 s for its headers and 300 s for its request, checked only
 * every 30 s, with no cap on connections: a few hundred sockets trickling header bytes hold the
 * gateway for minutes. Here the timeouts come from the settings and are checked often enough that
 * a slow client is cut within about a quarter of the headers timeout (at most 1 s) after it passes.
 * A request without a Host header reaches the edge middleware, which answers it 421 in the envelope
 * (Node would answer a bare 400).
 */
export const nodeServerOptions = (settings: GatewaySettingsShape): ServerOptions => ({
  headersTimeout: settings.headersTimeoutMillis,
  requestTimeout: settings.requestTimeoutMillis,
  keepAliveTimeout: settings.keepAliveTimeoutMillis,
  connectionsCheckingInterval: Math.max(25, Math.min(1000, Math.floor(settings.headersTimeoutMillis / 4))),
  requireHostHeader: false
})

export const makeNodeServer = (settings: GatewaySettingsShape): Server => {
  const server = createServer(nodeServerOptions(settings))
  // Connections past the cap are closed as they are accepted, before a byte is read.
  server.maxConnections = settings.maxConnections
  return server
}

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
    const allowlist = hostAllowlistOf(settings)
    yield* !allowlist.any
      ? Effect.logInfo(`gateway answers requests for Host ${[...allowlist.names].join(", ")} (GATEWAY_ALLOWED_HOSTS)`)
      : Option.isNone(settings.token)
      ? Effect.logWarning(
        "gateway answers requests for any Host (GATEWAY_ALLOWED_HOSTS=*) without GATEWAY_TOKEN: a web page that rebinds its DNS name to this address can use it"
      )
      : Effect.logInfo("gateway answers requests for any Host (GATEWAY_ALLOWED_HOSTS=*)")
    const edge = edgeMiddleware({ draining: () => draining, hostAllowed: allowlist.allows })
    const routes = Layer.mergeAll(ApiRoutes, DocsRoutes, edge, corsFor(settings.corsOrigins))
    return HttpRouter.serve(routes, { disableLogger: true }).pipe(
      Layer.provide(NodeHttpServer.layer(() => makeNodeServer(settings), {
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
