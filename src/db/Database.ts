import { PgClient } from "@effect/sql-pg"
import { Config, Duration, Effect, Layer, Option, Redacted, Schema } from "effect"
import { millisConfig } from "../config/DurationConfig.ts"

/**
 * The Postgres pool every process uses. Read from the environment:
 *
 * - `DATABASE_URL` (secret, never logged): `postgres://user:password@host:port/database`. When it is
 *   unset the local development database `postgres://root@127.0.0.1:5432/test` is used and a warning
 *   says so; production deployments must set it.
 * - `DATABASE_POOL_MAX` (default 10): connections per process. Writes hold one only for a short
 *   transaction, never while a job waits on LiveRC.
 * - `DATABASE_APPLICATION_NAME` (default `liverc-ingest`): shown in `pg_stat_activity`.
 * - `DATABASE_CONNECT_TIMEOUT` (default `10 seconds`): how long one connection attempt may take.
 */

export const developmentDatabaseUrl = "postgres://root@127.0.0.1:5432/test"

const PoolSize = Schema.Int.pipe(Schema.check(Schema.isBetween({ minimum: 1, maximum: 1000 })))

/** One Config per environment variable, so a start-up check can report every bad value. */
export const databaseConfigFields = {
  url: Config.option(Config.Redacted("DATABASE_URL")),
  maxConnections: Config.schema(PoolSize, "DATABASE_POOL_MAX").pipe(Config.withDefault(10)),
  applicationName: Config.NonEmptyString("DATABASE_APPLICATION_NAME").pipe(Config.withDefault("liverc-ingest")),
  connectTimeout: millisConfig("DATABASE_CONNECT_TIMEOUT", 100, 600_000, 10_000).pipe(Config.map(Duration.millis))
}

export const databaseConfig = Config.all(databaseConfigFields)

/** Provides `PgClient` and `SqlClient`. */
export const layer = Layer.unwrap(Effect.gen(function*() {
  const config = yield* databaseConfig
  if (Option.isNone(config.url)) {
    yield* Effect.logWarning(`DATABASE_URL is not set; using the development database ${developmentDatabaseUrl}`)
  }
  return PgClient.layer({
    url: Option.getOrElse(config.url, () => Redacted.make(developmentDatabaseUrl)),
    maxConnections: config.maxConnections,
    applicationName: config.applicationName,
    connectTimeout: config.connectTimeout
  })
}))
