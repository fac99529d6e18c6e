import { Effect } from "effect"
import * as Database from "../../src/db/Database.ts"
import { runMigrations } from "../../src/db/Migrations.ts"

/**
 * One worker's start, as a separate OS process: waits until START_AT (epoch ms) so that several
 * processes migrate at the same moment, runs the migrations against DATABASE_URL, prints the ids
 * it applied as JSON on a line of its own, after any log lines.
 */
const startAt = Number(process.env["START_AT"] ?? Date.now())

await new Promise((resolve) => setTimeout(resolve, Math.max(0, startAt - Date.now())))
const applied = await Effect.runPromise(runMigrations.pipe(Effect.provide(Database.layer)))
process.stdout.write(`\napplied ${JSON.stringify(applied.map(([id]) => id))}\n`)
