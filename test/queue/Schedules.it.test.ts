import { jetstreamManager } from "@nats-io/jetstream"
import { connect } from "@nats-io/transport-node"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { SCHEDULES_STREAM } from "../../src/queue/Topology.ts"
import { call, type GatewayProcess, startGateway } from "../support/GatewayProcess.ts"
import { freePort, type NatsTestServer, startNatsServer } from "../support/NatsTestServer.ts"
import { queueEnv } from "../support/QueueHarness.ts"
import { sleep, waitUntil } from "../support/QueueProbe.ts"
import type { TestDatabase } from "../support/TestDatabase.ts"
import { startWorker, type WorkerProcess } from "../support/WorkerProcess.ts"
import { sample, seededDatabase } from "../http/GatewayRig.ts"

/**
 * Schedules end to end on a current nats-server: a gateway and worker processes (the scripted test
 * handlers), schedules made over HTTP, firings counted from the jobs the workers start. The
 * command of each schedule carries its own event id, so the jobs of one schedule are told apart.
 */

const TOKEN = "schedule-test-token-0123456789"

describe("schedules", () => {
  let nats: NatsTestServer
  let db: TestDatabase
  let gateway: GatewayProcess
  let env: Record<string, string>
  const workers: Array<WorkerProcess> = []
  let metricsPort = 0
  let nextEvent = 700_000

  beforeAll(async () => {
    nats = await startNatsServer()
    db = await seededDatabase([])
    metricsPort = await freePort()
    env = {
      ...queueEnv(nats.url, { WORKER_CONCURRENCY: "4", INGEST_MAX_CONCURRENT: "8" }),
      DATABASE_URL: db.url,
      GATEWAY_TOKEN: TOKEN,
      SCHEDULE_MIN_INTERVAL: "2s"
    }
    gateway = await startGateway(env)
    workers.push(await startWorker("w1", { ...env, METRICS_PORT: String(metricsPort) }))
  })
  afterAll(async () => {
    await Promise.all(workers.map((w) => w.kill()))
    await gateway?.kill()
    db?.drop()
    await nats?.stop()
  })

  const api = (method: string, path: string, body?: unknown) =>
    call(`${gateway.url}${path}`, { method, body, token: TOKEN })

  /** Every job started for `event`, across every worker process this suite ran. */
  const startsOf = (event: string) => {
    const seen = new Set<string>()
    for (const worker of workers) {
      for (const e of worker.events) if (e.ev === "start" && e.event === event && e.job !== undefined) seen.add(e.job)
    }
    return seen.size
  }

  const schedule = async (script: string, timing: Record<string, unknown>) => {
    const event = String(nextEvent++)
    const answer = await api("POST", "/api/v1/schedules", {
      kind: "ingest_event",
      track_slug: script,
      source_event_id: event,
      depth: "summary",
      ...timing
    })
    expect(answer.status, JSON.stringify(answer.body)).toBe(201)
    return { event, id: answer.body.data.schedule_id as string, view: answer.body.data }
  }

  it("answers 201 with the schedule, its spec, next run and command", async () => {
    const until = new Date(Date.now() + 3_600_000).toISOString()
    const { event, id, view } = await schedule("sleep-10", { every: "2m", until })
    expect(view).toEqual({
      schedule_id: id,
      kind: "ingest_event",
      spec: "every 2m",
      nats_schedule: "@every 120s",
      time_zone: null,
      next_run: expect.any(String),
      until,
      command: { kind: "ingest_event", event_id: event, track_slug: "sleep-10", depth: "summary" },
      created_at: expect.any(String)
    })
    const nextRun = Date.parse(view.next_run)
    expect(nextRun - Date.parse(view.created_at)).toBe(120_000)
    const read = await api("GET", `/api/v1/schedules/${id}`)
    expect(read.body.data).toMatchObject({ schedule_id: id, spec: "every 2m", until })
    expect((await api("DELETE", `/api/v1/schedules/${id}`)).status).toBe(200)
  })

  it("fires a 2 s schedule again and again, one job per firing", async () => {
    const { event, id } = await schedule("sleep-10", { every: "2s" })
    await waitUntil(async () => startsOf(event) >= 3, 15_000, "three firings")
    await api("DELETE", `/api/v1/schedules/${id}`)
  })

  it("keeps firing across a restart of every service process and of the broker", async () => {
    const { event, id } = await schedule("sleep-10", { every: "2s" })
    await waitUntil(async () => startsOf(event) >= 1, 10_000, "a first firing")
    await Promise.all(workers.map((w) => w.kill()))
    await gateway.kill()
    await nats.kill()
    await nats.restart()
    workers.push(await startWorker("w2", { ...env, METRICS_PORT: String(metricsPort) }))
    gateway = await startGateway(env)
    const before = startsOf(event)
    await waitUntil(async () => startsOf(event) >= before + 2, 15_000, "two firings after the restart")
    expect((await api("GET", `/api/v1/schedules/${id}`)).status).toBe(200)
    await api("DELETE", `/api/v1/schedules/${id}`)
  })

  it("stops firing once deleted", async () => {
    const { event, id } = await schedule("sleep-10", { every: "2s" })
    await waitUntil(async () => startsOf(event) >= 2, 10_000, "two firings")
    const deleted = await api("DELETE", `/api/v1/schedules/${id}`)
    expect(deleted.body).toEqual({ success: true, data: { schedule_id: id, deleted: true } })
    // A firing already on its way when the schedule went may still start its job.
    await sleep(1500)
    const settled = startsOf(event)
    await sleep(4000)
    expect(startsOf(event)).toBe(settled)
    expect((await api("GET", `/api/v1/schedules/${id}`)).status).toBe(404)
    expect((await api("DELETE", `/api/v1/schedules/${id}`)).body.error.code).toBe("SCHEDULE_NOT_FOUND")
  })

  it("stops by itself at until, and is gone from the stream", async () => {
    const until = new Date(Date.now() + 5000)
    const { event, id } = await schedule("sleep-10", { every: "2s", until: until.toISOString() })
    await waitUntil(async () => Date.now() > until.getTime() + 1500, 10_000, "until to pass")
    const atUntil = startsOf(event)
    expect(atUntil).toBeGreaterThanOrEqual(2)
    await sleep(4000)
    expect(startsOf(event)).toBe(atUntil)
    expect((await api("GET", `/api/v1/schedules/${id}`)).status).toBe(404)
  })

  it("dedupes a firing to the schedule's live job instead of piling jobs up", async () => {
    const { event, id } = await schedule("sleep-7000", { every: "2s" })
    await waitUntil(async () => startsOf(event) >= 1, 10_000, "a first firing")
    await sleep(5000)
    // One job runs 7 s; the two or so firings during it answered with that job.
    expect(startsOf(event)).toBe(1)
    await api("DELETE", `/api/v1/schedules/${id}`)
    // The one worker running (w2) relayed every firing; its counter tells the dedupes apart.
    const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()
    expect(sample(metrics, "liverc_schedule_fires_total", { kind: "ingest_event", outcome: "deduplicated" })).toBeGreaterThanOrEqual(2)
    expect(sample(metrics, "liverc_schedule_fires_total", { kind: "ingest_event", outcome: "enqueued" })).toBeGreaterThan(0)
  })

  it("takes hostile firings published by hand as invalid, runs no job for them, and goes on relaying", async () => {
    const nc = await connect({ servers: nats.url })
    try {
      const before = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()
      const invalidBefore = sample(before, "liverc_schedule_fires_total", { kind: "unknown", outcome: "invalid" }) ?? 0
      const event = String(nextEvent++)
      const bodies = [
        "",
        "not json",
        "{\"v\":1}",
        JSON.stringify({ v: 1, schedule_id: "sch-hostile00001", kind: "ingest_event", command: { kind: "drop_tables" } }),
        // Nested past any sane depth, under the stream's 64 KiB message limit.
        "[".repeat(60_000),
        // A schedule document whose command is not one: refused by the rules every command meets.
        JSON.stringify({
          v: 1,
          schedule_id: "sch-hostile00009",
          kind: "ingest_event",
          spec: "@every 1m",
          time_zone: null,
          until: null,
          created_at: new Date().toISOString(),
          command: { kind: "ingest_event", track_slug: "noop", source_event_id: event, depth: "deepest" }
        })
      ]
      for (const [i, body] of bodies.entries()) nc.publish(`schedules.fire.sch-hostile0000${i}`, body)
      await nc.flush()
      await waitUntil(async () => {
        const metrics = await (await fetch(`http://127.0.0.1:${metricsPort}/metrics`)).text()
        const invalid = sample(metrics, "liverc_schedule_fires_total", { kind: "unknown", outcome: "invalid" }) ?? 0
        const typed = sample(metrics, "liverc_schedule_fires_total", { kind: "ingest_event", outcome: "invalid" }) ?? 0
        return invalid - invalidBefore + typed >= bodies.length
      }, 20_000, "every hostile firing counted invalid")
      expect(startsOf(event)).toBe(0)
      // The relay is still there: a real schedule fires.
      const live = await schedule("sleep-10", { every: "2s" })
      await waitUntil(async () => startsOf(live.event) >= 1, 15_000, "a firing after the hostile ones")
      await api("DELETE", `/api/v1/schedules/${live.id}`)
    } finally {
      await nc.close()
    }
  })

  it("creates the three default schedules at first start, once, whatever the restarts", async () => {
    const listed = await api("GET", "/api/v1/schedules")
    const defaults = listed.body.data.filter((s: any) => ["track-sync", "followed-events", "recent-ingest"].includes(s.schedule_id))
    expect(defaults.map((s: any) => [s.schedule_id, s.nats_schedule, s.command])).toEqual([
      ["track-sync", "0 0 0 * * *", { kind: "sync_tracks" }],
      ["followed-events", "0 30 0 * * *", { kind: "sync_followed_events" }],
      [
        "recent-ingest",
        "0 0 2 * * *",
        { kind: "ingest_recent", window_days: 7, min_age_hours: 12, depth: "laps_full", max_events: 50, max_per_track: 5, force: true }
      ]
    ])
    const nc = await connect({ servers: nats.url })
    try {
      const jsm = await jetstreamManager(nc)
      const seqOf = async (id: string) => (await jsm.streams.getMessage(SCHEDULES_STREAM, { last_by_subj: `schedules.def.${id}` }))?.seq
      const before = await Promise.all(["track-sync", "followed-events", "recent-ingest"].map(seqOf))
      workers.push(await startWorker("w3", env), await startWorker("w4", env))
      await sleep(1500)
      expect(await Promise.all(["track-sync", "followed-events", "recent-ingest"].map(seqOf))).toEqual(before)
      const again = await api("GET", "/api/v1/schedules")
      expect(again.body.data.filter((s: any) => s.schedule_id === "track-sync")).toHaveLength(1)

      // Switched off: the next worker to start removes it; a changed time replaces it.
      workers.push(await startWorker("w5", { ...env, SCHEDULE_TRACK_SYNC: "off", SCHEDULE_RECENT_INGEST: "0 3 * * *" }))
      await waitUntil(async () => (await api("GET", "/api/v1/schedules/track-sync")).status === 404, 10_000, "track-sync removed")
      const recent = await api("GET", "/api/v1/schedules/recent-ingest")
      expect(recent.body.data.nats_schedule).toBe("0 0 3 * * *")
    } finally {
      await nc.close()
    }
  })

  describe("refuses a bad spec with 400 naming the field", () => {
    const refused = async (body: Record<string, unknown>, field: string, saying = "") => {
      const answer = await api("POST", "/api/v1/schedules", body)
      expect(answer.status, JSON.stringify(answer.body)).toBe(400)
      expect(answer.body.error.code).toBe("VALIDATION_ERROR")
      expect(answer.body.error.message).toMatch(new RegExp(`^invalid ${field}: `))
      expect(answer.body.error.message).toContain(saying)
    }
    const base = { kind: "ingest_event", track_slug: "sleep-10", source_event_id: "123", depth: "summary" }

    it("an unparseable cron", () => refused({ ...base, cron: "every tuesday" }, "cron"))
    it("a cron that fires more often than SCHEDULE_MIN_INTERVAL", () => refused({ ...base, cron: "* * * * * *" }, "cron", "SCHEDULE_MIN_INTERVAL"))
    it("an interval under the minimum", () => refused({ ...base, every: "1s" }, "every", "SCHEDULE_MIN_INTERVAL"))
    it("an interval that is not one", () => refused({ ...base, every: "soon" }, "every"))
    it("until in the past", () => refused({ ...base, every: "1m", until: "2020-01-01T00:00:00Z" }, "until", "in the past"))
    it("at in the past", () => refused({ ...base, at: "2020-01-01T00:00:00Z" }, "at", "in the past"))
    it("two timings at once", () => refused({ ...base, every: "1m", cron: "0 * * * *" }, "cron"))
    it("no timing", () => refused(base, "every"))
    it("an unknown time zone", () => refused({ ...base, cron: "0 0 * * *", time_zone: "Mars/Olympus" }, "time_zone"))
    it("a command that is not one", () => refused({ ...base, source_event_id: "abc", every: "1m" }, "source_event_id"))
  })
})
