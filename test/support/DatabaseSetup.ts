import { PgClient } from "@effect/sql-pg"
import { Effect, Exit, ManagedRuntime, Redacted, Scope } from "effect"
import { SqlClient } from "effect/sql/SqlClient"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { embeddedDatabase } from "../../src/demo/EmbeddedDatabase.ts"
import { DEFAULT_ADMIN_URL } from "./TestDatabase.ts"

/**
 * Vitest global setup: which Postgres this run's tests create their databases on.
 *
 * - TEST_DATABASE_URL=embedded: an embedded PostgreSQL (the demo's, from the npm registry) in a
 *   temporary directory, stopped and removed after the run;
 * - TEST_DATABASE_URL=<url>: that server (the user must be allowed to CREATE DATABASE);
 * - unset: the local development server at postgres://root@127.0.0.1:5432/test when it answers,
 *   else an embedded one as above. So `npm test` runs on a machine with nothing but Node.
 */

const answers = (url: string) => {
  const runtime = ManagedRuntime.make(PgClient.layer({ url: Redacted.make(url), maxConnections: 1, connectTimeout: "2 seconds" }))
  return runtime.runPromise(Effect.gen(function*() {
    const sql = yield* SqlClient
    yield* sql`SELECT 1`
    return true
  })).catch(() => false).finally(() => runtime.dispose())
}

export default async function setup(): Promise<() => Promise<void>> {
  const configured = process.env["TEST_DATABASE_URL"]
  if (configured !== undefined && configured !== "" && configured !== "embedded") {
    process.env["TEST_DATABASE_ADMIN_URL"] = configured
    return async () => undefined
  }
  if (configured !== "embedded" && (await answers(DEFAULT_ADMIN_URL))) {
    process.env["TEST_DATABASE_ADMIN_URL"] = DEFAULT_ADMIN_URL
    return async () => undefined
  }
  const dir = mkdtempSync(join(tmpdir(), "liverc-test-pg-"))
  const scope = await Effect.runPromise(Scope.make())
  const started = await Effect.runPromise(Scope.provide(embeddedDatabase(join(dir, "data")), scope))
  process.env["TEST_DATABASE_ADMIN_URL"] = started.url
  process.stderr.write(`tests use an embedded PostgreSQL (${started.url.replace(/\/\/[^@]*@/, "//")})\n`)
  return async () => {
    await Effect.runPromise(Scope.close(scope, Exit.void))
    rmSync(dir, { recursive: true, force: true })
  }
}
