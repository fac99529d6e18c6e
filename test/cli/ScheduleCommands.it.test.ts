import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { jsonLines, runCli } from "../support/CliProcess.ts"
import { type NatsTestServer, startNatsServer } from "../support/NatsTestServer.ts"
import type { TestDatabase } from "../support/TestDatabase.ts"
import { seededDatabase } from "../http/GatewayRig.ts"
import { startWorker, type WorkerProcess } from "../support/WorkerProcess.ts"
import { queueEnv } from "../support/QueueHarness.ts"

/**
 * `liverc-ingest schedule ls | add | rm` and `follow | unfollow | following` as shipped, piped
 * (JSON lines), against a private nats-server and a migrated test database.
 */

describe("liverc-ingest schedule and follow", () => {
  let nats: NatsTestServer
  let db: TestDatabase
  let worker: WorkerProcess
  let env: Record<string, string>

  beforeAll(async () => {
    nats = await startNatsServer()
    db = await seededDatabase([])
    env = { NATS_URL: nats.url, DATABASE_URL: db.url, NATS_CONNECT_TIMEOUT: "5s" }
    // The worker provisions the streams and makes the default schedules.
    worker = await startWorker("w", { ...queueEnv(nats.url), DATABASE_URL: db.url })
  })
  afterAll(async () => {
    await worker?.kill()
    db?.drop()
    await nats?.stop()
  })

  it("adds a schedule, lists it beside the defaults, deletes it", async () => {
    const until = new Date(Date.now() + 86_400_000).toISOString()
    const added = await runCli(
      ["schedule", "add", "ingest_event", "--track", "canberraoffroad", "--event", "486677", "--every", "5m", "--until", until],
      env
    )
    expect(added.code, added.stderr).toBe(0)
    const [view] = jsonLines(added.stdout)
    expect(view).toMatchObject({
      kind: "ingest_event",
      spec: "every 5m",
      until,
      command: { kind: "ingest_event", event_id: "486677", track_slug: "canberraoffroad", depth: "laps_full" }
    })

    const listed = await runCli(["schedule", "ls"], env)
    expect(listed.code, listed.stderr).toBe(0)
    const ids = jsonLines(listed.stdout)[0].schedules.map((s: any) => s.schedule_id)
    expect(ids).toEqual(expect.arrayContaining(["track-sync", "followed-events", "recent-ingest", view.schedule_id]))

    const removed = await runCli(["schedule", "rm", view.schedule_id], env)
    expect(removed.code, removed.stderr).toBe(0)
    expect(jsonLines(removed.stdout)).toEqual([{ schedule_id: view.schedule_id, deleted: true }])
    const again = await runCli(["schedule", "rm", view.schedule_id], env)
    expect(again.code).toBe(1)
    expect(again.stderr).toContain(`no schedule ${view.schedule_id}`)
  })

  it("refuses a bad spec with exit 3, naming the flag, before anything is stored", async () => {
    const cases: Array<[ReadonlyArray<string>, string]> = [
      [["--every", "10s"], "--every: 10s is shorter than the minimum interval 1m"],
      [["--cron", "every tuesday"], "--cron:"],
      [["--every", "5m", "--until", "2020-01-01T00:00:00Z"], "--until:"],
      [["--every", "5m", "--cron", "0 * * * *"], "--cron: give exactly one of every, cron or at"]
    ]
    for (const [flags, message] of cases) {
      const run = await runCli(["schedule", "add", "sync_tracks", ...flags], env)
      expect(run.code, run.stderr).toBe(3)
      expect(run.stderr).toContain(message)
    }
    const badCommand = await runCli(["schedule", "add", "sync_events", "--track", "Bad_Slug", "--every", "5m"], env)
    expect(badCommand.code).toBe(3)
    expect(badCommand.stderr).toContain("--track:")
  })

  it("follows, lists and unfollows tracks", async () => {
    const followed = await runCli(["follow", "canberraoffroad"], env)
    expect(followed.code, followed.stderr).toBe(0)
    expect(jsonLines(followed.stdout)[0]).toMatchObject({ track_slug: "canberraoffroad", changed: true })
    expect(jsonLines((await runCli(["follow", "canberraoffroad"], env)).stdout)[0].changed).toBe(false)
    const listed = await runCli(["following"], env)
    expect(jsonLines(listed.stdout)[0].tracks.map((t: any) => t.track_slug)).toEqual(["canberraoffroad"])
    const unfollowed = await runCli(["unfollow", "canberraoffroad"], env)
    expect(jsonLines(unfollowed.stdout)[0]).toEqual({ track_slug: "canberraoffroad", followed: false, changed: true })
    expect(jsonLines((await runCli(["following"], env)).stdout)[0].tracks).toEqual([])
    const bad = await runCli(["follow", "Not A Slug"], env)
    expect(bad.code).toBe(3)
  })
})
