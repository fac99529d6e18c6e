import { randomBytes } from "node:crypto"
import { spawnSync } from "node:child_process"

/**
 * Every test run gets its own Postgres database, so runs never see each other's rows. The admin
 * URL defaults to the development server (trust auth); TEST_DATABASE_ADMIN_URL overrides it.
 */

const adminUrl = () => process.env["TEST_DATABASE_ADMIN_URL"] ?? "postgres://root@127.0.0.1:5432/test"

const psql = (url: string, sql: string) => {
  const result = spawnSync("psql", [url, "-v", "ON_ERROR_STOP=1", "-qAtc", sql], { encoding: "utf8" })
  if (result.status !== 0) {
    throw new Error(`psql failed (${sql}): ${result.stderr || result.error?.message}`)
  }
  return result.stdout.trim()
}

export interface TestDatabase {
  readonly name: string
  readonly url: string
  readonly drop: () => void
}

export const createTestDatabase = (prefix = "lri"): TestDatabase => {
  const name = `${prefix}_${process.pid}_${randomBytes(4).toString("hex")}`
  const admin = adminUrl()
  psql(admin, `CREATE DATABASE ${name}`)
  const url = new URL(admin)
  url.pathname = `/${name}`
  return {
    name,
    url: url.toString(),
    drop: () => {
      psql(admin, `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '${name}' AND pid <> pg_backend_pid()`)
      psql(admin, `DROP DATABASE IF EXISTS ${name}`)
    }
  }
}
