import { Config, Context, Effect, Layer, type Option, type Redacted, Schema, SchemaTransformation } from "effect"
import { millisConfig } from "../config/DurationConfig.ts"
import { boundedIntConfig, notBelow } from "../config/IntConfig.ts"
import { allowedHostEntryProblem } from "./HostAllowlist.ts"

/**
 * How a gateway process listens. Read from the environment:
 *
 * - `GATEWAY_PORT` (default 8080).
 * - `GATEWAY_HOST` (default `127.0.0.1`): loopback, so a gateway started without thinking about it
 *   is not open to the network; containers and hosts behind a proxy set `0.0.0.0`.
 * - `GATEWAY_TOKEN` (secret, optional, at least 16 characters): when set, every route that changes
 *   something and every admin route needs `Authorization: Bearer <token>`; reads of job status,
 *   health and metrics stay open. Unset: no route needs a token.
 * - `CORS_ALLOWED_ORIGINS` (default `http://localhost:3001`, the UI's development origin): comma
 *   separated origins allowed to call the gateway from a browser; `none` for none, `*` for any.
 * - `GATEWAY_SHUTDOWN_GRACE` (default 10s): on SIGTERM, how long requests in flight may take to
 *   finish after the gateway stopped accepting new ones.
 * - `GATEWAY_ALLOWED_HOSTS` (optional): comma separated host names or IP addresses the Host header
 *   may name (port ignored, any case), `*` for any. Unset: GATEWAY_HOST, `localhost`, `127.0.0.1`
 *   and `::1`, plus the machine's name and interface addresses when GATEWAY_HOST is 0.0.0.0 or ::
 *   (HostAllowlist.ts). Anything else is answered 421: a web page that rebinds its DNS name to the
 *   gateway is refused.
 * - `GATEWAY_HEADERS_TIMEOUT` (default 10s), `GATEWAY_REQUEST_TIMEOUT` (default 30s, at least the
 *   headers timeout), `GATEWAY_KEEPALIVE_TIMEOUT` (default 5s): how long a client may take to send
 *   its headers, its whole request, and how long an idle connection is kept between requests.
 *   A client that sends slowly (slowloris) is cut when they pass.
 * - `GATEWAY_MAX_CONNECTIONS` (default 1024): open connections at most; more are closed as they
 *   arrive.
 */

export const DEFAULT_GATEWAY_PORT = 8080
export const DEFAULT_GATEWAY_HOST = "127.0.0.1"
export const DEFAULT_CORS_ORIGINS: ReadonlyArray<string> = ["http://localhost:3001"]
export const DEFAULT_HEADERS_TIMEOUT_MILLIS = 10_000
export const DEFAULT_REQUEST_TIMEOUT_MILLIS = 30_000
export const DEFAULT_KEEPALIVE_TIMEOUT_MILLIS = 5_000
export const DEFAULT_MAX_CONNECTIONS = 1024

const Host = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^[A-Za-z0-9.:-]{1,253}$/, {
    message: "a host name or IP address to listen on, like 127.0.0.1, 0.0.0.0 or ::"
  }))
)

// The message is fixed on purpose: a schema's default message would quote the value, a secret.
const Token = Schema.Redacted(
  Schema.String.pipe(Schema.check(Schema.isMinLength(16, { message: "at least 16 characters (the value is not shown)" })))
)

const ORIGIN = /^https?:\/\/[A-Za-z0-9.-]+(:[0-9]{1,5})?$/

const OriginsFromString = Schema.String.pipe(
  Schema.check(Schema.makeFilter((text: string) => {
    const origins = splitOrigins(text)
    const bad = origins.find((origin) => origin !== "*" && !ORIGIN.test(origin))
    return bad === undefined ||
      `origins as scheme://host[:port] (no path), comma separated, * or none (${JSON.stringify(bad.slice(0, 100))} is not one)`
  })),
  Schema.decodeTo(
    Schema.Array(Schema.String),
    SchemaTransformation.transform({
      decode: (text: string): ReadonlyArray<string> => splitOrigins(text),
      encode: (origins: ReadonlyArray<string>) => origins.join(",")
    })
  )
)

const splitOrigins = (text: string): Array<string> =>
  text.trim().toLowerCase() === "none"
    ? []
    : text.split(",").map((origin) => origin.trim()).filter((origin) => origin.length > 0)

const splitHosts = (text: string): Array<string> =>
  text.split(",").map((host) => host.trim()).filter((host) => host.length > 0)

const AllowedHostsFromString = Schema.String.pipe(
  Schema.check(Schema.makeFilter((text: string) => {
    const hosts = splitHosts(text)
    if (hosts.length === 0) return "at least one host name or IP address, comma separated, or * for any"
    return hosts.map(allowedHostEntryProblem).find((problem) => problem !== undefined) ?? true
  })),
  Schema.decodeTo(
    Schema.Array(Schema.String),
    SchemaTransformation.transform({
      decode: (text: string): ReadonlyArray<string> => splitHosts(text),
      encode: (hosts: ReadonlyArray<string>) => hosts.join(",")
    })
  )
)

const headersTimeoutMillis = millisConfig("GATEWAY_HEADERS_TIMEOUT", 100, 300_000, DEFAULT_HEADERS_TIMEOUT_MILLIS)

/**
 * Node refuses a headers timeout longer than the request timeout, so the request timeout's lower
 * bound is the headers timeout (and its default grows with it).
 */
const requestTimeoutMillis = notBelow(
  headersTimeoutMillis,
  DEFAULT_HEADERS_TIMEOUT_MILLIS,
  (headers) => millisConfig("GATEWAY_REQUEST_TIMEOUT", headers, 3_600_000, Math.max(DEFAULT_REQUEST_TIMEOUT_MILLIS, headers))
)

/** One Config per environment variable, so a start-up check can report every bad value. */
export const gatewayConfigFields = {
  port: Config.Port("GATEWAY_PORT").pipe(Config.withDefault(DEFAULT_GATEWAY_PORT)),
  host: Config.schema(Host, "GATEWAY_HOST").pipe(Config.withDefault(DEFAULT_GATEWAY_HOST)),
  token: Config.schema(Token, "GATEWAY_TOKEN").pipe(Config.option),
  corsOrigins: Config.schema(OriginsFromString, "CORS_ALLOWED_ORIGINS").pipe(Config.withDefault(DEFAULT_CORS_ORIGINS)),
  shutdownGraceMillis: millisConfig("GATEWAY_SHUTDOWN_GRACE", 0, 600_000, 10_000),
  allowedHosts: Config.schema(AllowedHostsFromString, "GATEWAY_ALLOWED_HOSTS").pipe(Config.option),
  headersTimeoutMillis,
  requestTimeoutMillis,
  keepAliveTimeoutMillis: millisConfig("GATEWAY_KEEPALIVE_TIMEOUT", 100, 600_000, DEFAULT_KEEPALIVE_TIMEOUT_MILLIS),
  maxConnections: boundedIntConfig("GATEWAY_MAX_CONNECTIONS", 1, 1_000_000, DEFAULT_MAX_CONNECTIONS)
}

export interface GatewaySettingsShape {
  readonly port: number
  readonly host: string
  readonly token: Option.Option<Redacted.Redacted<string>>
  readonly corsOrigins: ReadonlyArray<string>
  readonly shutdownGraceMillis: number
  /** GATEWAY_ALLOWED_HOSTS as listed; none: the default (HostAllowlist.defaultAllowedHosts). */
  readonly allowedHosts: Option.Option<ReadonlyArray<string>>
  readonly headersTimeoutMillis: number
  /** At least headersTimeoutMillis. */
  readonly requestTimeoutMillis: number
  readonly keepAliveTimeoutMillis: number
  readonly maxConnections: number
}

export const GatewayConfig: Config.Config<GatewaySettingsShape> = Config.all(gatewayConfigFields)

export class GatewaySettings extends Context.Service<GatewaySettings, GatewaySettingsShape>()(
  "liverc-ingest/http/GatewaySettings"
) {
  static readonly layer = Layer.effect(
    GatewaySettings,
    Effect.gen(function*() {
      return yield* GatewayConfig
    })
  )
  static readonly layerFrom = (settings: GatewaySettingsShape) => Layer.succeed(GatewaySettings, settings)
}
