import { Config, Context, Effect, Layer, type Option, type Redacted, Schema, SchemaTransformation } from "effect"
import { millisConfig } from "../config/DurationConfig.ts"

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
 */

export const DEFAULT_GATEWAY_PORT = 8080
export const DEFAULT_GATEWAY_HOST = "127.0.0.1"
export const DEFAULT_CORS_ORIGINS: ReadonlyArray<string> = ["http://localhost:3001"]

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
      `${JSON.stringify(bad.slice(0, 100))} is not an origin; use scheme://host[:port] (no path), comma separated, * or none`
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

/** One Config per environment variable, so a start-up check can report every bad value. */
export const gatewayConfigFields = {
  port: Config.Port("GATEWAY_PORT").pipe(Config.withDefault(DEFAULT_GATEWAY_PORT)),
  host: Config.schema(Host, "GATEWAY_HOST").pipe(Config.withDefault(DEFAULT_GATEWAY_HOST)),
  token: Config.schema(Token, "GATEWAY_TOKEN").pipe(Config.option),
  corsOrigins: Config.schema(OriginsFromString, "CORS_ALLOWED_ORIGINS").pipe(Config.withDefault(DEFAULT_CORS_ORIGINS)),
  shutdownGraceMillis: millisConfig("GATEWAY_SHUTDOWN_GRACE", 0, 600_000, 10_000)
}

export interface GatewaySettingsShape {
  readonly port: number
  readonly host: string
  readonly token: Option.Option<Redacted.Redacted<string>>
  readonly corsOrigins: ReadonlyArray<string>
  readonly shutdownGraceMillis: number
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
