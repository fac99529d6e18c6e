import { createServer, type Server } from "node:http"
import { Config, Effect, Layer, Schema } from "effect"
import { collectProcessMetrics, registry } from "./Metrics.ts"

/**
 * `/metrics` for a process without an HTTP API of its own (a worker): a bare node:http server on
 * METRICS_PORT serving the shared registry. Off when METRICS_PORT is unset or 0.
 *
 * - `METRICS_PORT` (default 0 = off).
 * - `METRICS_HOST` (default `0.0.0.0`): a port set on purpose is meant to be scraped from
 *   another host; the endpoint is read-only and carries no secrets.
 */

export const DEFAULT_METRICS_HOST = "0.0.0.0"

const Host = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^[A-Za-z0-9.:-]{1,253}$/, {
    message: "a host name or IP address to listen on, like 127.0.0.1, 0.0.0.0 or ::"
  }))
)

export const metricsServerConfigFields = {
  port: Config.schema(Schema.Int.check(Schema.isBetween({ minimum: 0, maximum: 65535 })), "METRICS_PORT")
    .pipe(Config.withDefault(0)),
  host: Config.schema(Host, "METRICS_HOST").pipe(Config.withDefault(DEFAULT_METRICS_HOST))
}

export class MetricsServerFailed extends Schema.TaggedError<MetricsServerFailed>()("MetricsServerFailed", {
  reason: Schema.String
}) {
  override get message() {
    return `metrics server: ${this.reason}`
  }
}

const answer = (server: Server) =>
  server.on("request", (request, response) => {
    const path = (request.url ?? "/").split("?")[0]
    if (path !== "/metrics" || (request.method !== "GET" && request.method !== "HEAD")) {
      response.writeHead(404, { "content-type": "text/plain" }).end("not found; try GET /metrics\n")
      return
    }
    registry.metrics().then(
      (text) => response.writeHead(200, { "content-type": registry.contentType }).end(request.method === "HEAD" ? undefined : text),
      (error: unknown) => response.writeHead(500, { "content-type": "text/plain" }).end(`${String(error)}\n`)
    )
  })

const listen = (port: number, host: string) =>
  Effect.acquireRelease(
    Effect.callback<Server, MetricsServerFailed>((resume) => {
      const server = answer(createServer())
      const onError = (error: Error) =>
        resume(Effect.fail(new MetricsServerFailed({ reason: `cannot listen on ${host}:${port}: ${error.message}` })))
      server.once("error", onError)
      server.listen(port, host, () => {
        server.off("error", onError)
        resume(Effect.succeed(server))
      })
    }),
    (server) =>
      Effect.callback<void>((resume) => {
        server.close(() => resume(Effect.void))
        // Prometheus keeps its connection alive between scrapes; do not wait for it to leave.
        server.closeAllConnections()
      })
  )

export const MetricsServer = {
  /** Serves `/metrics` on METRICS_PORT for the layer's lifetime; nothing when the port is 0. */
  layer: Layer.effectDiscard(Effect.gen(function*() {
    const { host, port } = yield* Config.all(metricsServerConfigFields)
    if (port === 0) return
    yield* collectProcessMetrics
    yield* listen(port, host)
    yield* Effect.logInfo(`metrics on http://${host}:${port}/metrics`)
  }))
}
