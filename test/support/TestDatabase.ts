import { PgClient } from "@effect/sql-pg"
import { Effect, ManagedRuntime, Redacted } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import { randomBytes } from "node:crypto"

/**
 * Every test run gets its own Postgres database, so runs never see each other's rows. The server
 * is chosen once per run by test/support/DatabaseSetup.ts (the configured one, the default local
 * one, or an embedded one) and handed over in TEST_DATABASE_ADMIN_URL.
 */

export const DEFAULT_ADMIN_URL = "postgres://root@127.0.0.1:5432/test"

const adminUrl = () => process.env["TEST_DATABASE_ADMIN_URL"] ?? DEFAULT_ADMIN_URL

/** Runs statements on the admin connection, one session, then closes it. */
const admin = (statements: ReadonlyArray<string>) => {
  const runtime = ManagedRuntime.make(
    PgClient.layer({ url: Redacted.make(adminUrl()), maxConnections: 1, connectTimeout: "5 seconds", applicationName: "liverc-ingest-tests" })
  )
  return runtime.runPromise(Effect.gen(function*() {
    const sql = yield* SqlClient
    for (const statement of statements) yield* sql.unsafe(statement)
  })).finally(() => runtime.dispose())
}

export interface TestDatabase {
  readonly name: string
  readonly url: string
  readonly drop: () => Promise<void>
}

export const createTestDatabase = async (prefix = "lri"): Promise<TestDatabase> => {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString("hex")}`
  await admin([`CREATE DATABASE ${name}`])
  const url = new URL(adminUrl())
  url.pathname = `/${name}`
  return {
    name,
    url: url.toString(),
    drop: () =>
      admin([
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`,
        `DROP DATABASE IF EXISTS ${name}`
      ])
  }
}
