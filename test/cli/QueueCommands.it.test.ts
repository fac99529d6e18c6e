import { jetstreamManager } from "@nats-io/jetstream"
import { connect } from "@nats-io/transport-node"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { JobStatus } from "../../src/jobs/JobStatus.ts"
import { IngestStreams } from "../../src/queue/IngestStreams.ts"
import { INGEST_STREAM, JOBS_BUCKET, WORKERS_CONSUMER } from "../../src/queue/Topology.ts"
import { THROTTLE_BUCKET } from "../../src/throttle/ThrottleBucket.ts"
import { type CliRun, hasScript, jsonLines, runCli, runCliInTerminal, type RunningCli, startCli } from "../support/CliProcess.ts"
import { freePort, type NatsTestServer, startNatsServer } from "../support/NatsTestServer.ts"
import { makeQueueClient, type QueueClient, queueEnv } from "../support/QueueHarness.ts"
import { statusOf, waitForStatus } from "../support/QueueProbe.ts"
import { startWorker, type WorkerProcess } from "../support/WorkerProcess.ts"

/**
 * The queue commands of `liverc-ingest` as shipped (bin/), against a private nats-server and a
 * real worker process running the scripted TestHandlers (the track slug is the script:
 * `progress-N`, `sleep-MS`, `fail-terminal`, `hang`). The CLI gets only NATS_URL: it must work
 * with the topology the deployment set up, and leave its settings alone.
 */

interface Line {
  readonly deduplicated: boolean
  readonly job: JobStatus
}

let nextEvent = 700_000 + Math.floor(Math.random() * 100_000)
const eventId = () => String(nextEvent++)

describe("liverc-ingest queue commands", () => {
  let server: NatsTestServer
  let client: QueueClient
  let worker: WorkerProcess
  let cliEnv: Record<string, string>

  const cli = (...args: ReadonlyArray<string>) => runCli(args, cliEnv)
  const expectExit = (run: CliRun, code: number) => expect(run.code, `stdout:\n${run.stdout}\nstderr:\n${run.stderr}`).toBe(code)

  const lastSeq = () =>
    client.runPromise(IngestStreams.use(({ nats }) => Effect.promise(() => nats.jsm.streams.info(INGEST_STREAM))))
      .then((info) => info.state.last_seq)

  beforeAll(async () => {
    server = await startNatsServer()
    // The deployment's settings: a cap of 4 running jobs, 2 s ack wait (the CLI is never told).
    const env = queueEnv(server.url, { INGEST_RETRY_BASE: "100ms", INGEST_MAX_DELIVER: "2" })
    client = makeQueueClient(env)
    await client.runPromise(Effect.void)
    worker = await startWorker("cli", env)
    cliEnv = { NATS_URL: server.url }
  })
  afterAll(async () => {
    await worker?.kill()
    await client?.dispose()
    await server?.stop()
  })

  let completedJob: JobStatus
  let failedJob: JobStatus

  it("ingest event --wait publishes and follows the job to completion, one JSON line per change, exit 0", async () => {
    const id = eventId()
    const run = await cli("ingest", "event", id, "--track", "progress-4", "--depth", "summary", "--wait")
    expectExit(run, 0)
    const lines = jsonLines<Line>(run.stdout)
    const jobId = lines[0]!.job.job_id
    expect(lines.every((l) => l.job.job_id === jobId && l.deduplicated === false)).toBe(true)
    expect(lines[0]!.job).toMatchObject({
      status: "queued",
      kind: "ingest_event",
      params: { event_id: id, track_slug: "progress-4", depth: "summary" }
    })
    const states = lines.map((l) => l.job.status)
    expect(states.at(-1)).toBe("completed")
    expect(states).toContain("running")
    expect(lines.some((l) => l.job.status === "running" && l.job.progress?.total === 4)).toBe(true)
    // Only changes are printed: no two consecutive lines say the same thing.
    const keys = lines.map((l) => JSON.stringify([l.job.status, l.job.attempts, l.job.progress, l.job.error_code]))
    expect(keys.every((key, i) => i === 0 || key !== keys[i - 1])).toBe(true)
    completedJob = lines.at(-1)!.job
    expect(completedJob.result).toEqual({ steps: 4 })
    expect(await statusOf(client, jobId)).toEqual(completedJob)
  })

  it("ingest event --force puts force: true on the command; without the flag the command has no force", async () => {
    const forced = eventId()
    const run = await cli("ingest", "event", forced, "--track", "sleep-10", "--force", "--wait")
    expectExit(run, 0)
    expect(jsonLines<Line>(run.stdout)[0]!.job.params).toEqual({
      event_id: forced,
      track_slug: "sleep-10",
      depth: "laps_full",
      force: true
    })
    const plain = eventId()
    const unforced = await cli("ingest", "event", plain, "--track", "sleep-10")
    expectExit(unforced, 0)
    expect(jsonLines<Line>(unforced.stdout)[0]!.job.params).toEqual({ event_id: plain, track_slug: "sleep-10", depth: "laps_full" })
  })

  it("a second ingest of a key with a live job is deduplicated, and --wait follows that job", async () => {
    const id = eventId()
    const first = await cli("ingest", "event", id, "--track", "sleep-6000")
    expectExit(first, 0)
    const [queued] = jsonLines<Line>(first.stdout)
    expect(queued).toMatchObject({ deduplicated: false, job: { params: { event_id: id } } })

    const again = await cli("ingest", "event", id, "--track", "sleep-10", "--wait")
    expectExit(again, 0)
    const lines = jsonLines<Line>(again.stdout)
    expect(lines[0]).toMatchObject({ deduplicated: true, job: { job_id: queued!.job.job_id } })
    expect(lines.at(-1)!.job).toMatchObject({ job_id: queued!.job.job_id, status: "completed", result: { slept: 6000 } })
  })

  it("a failed job exits 1 with its error code and message on stderr", async () => {
    const run = await cli("ingest", "event", eventId(), "--track", "fail-terminal", "--wait")
    expectExit(run, 1)
    failedJob = jsonLines<Line>(run.stdout).at(-1)!.job
    expect(failedJob).toMatchObject({ status: "failed", error_code: "TEST_TERMINAL" })
    expect(run.stderr).toContain(`job ${failedJob.job_id} failed: TEST_TERMINAL: this will never work`)
  })

  it("a job cancelled while followed exits 2; cancel prints the cancelled job", async () => {
    const follower = startCli(["ingest", "event", eventId(), "--track", "hang", "--wait"], cliEnv)
    const jobId = await firstLine(follower).then((line) => line.job.job_id)
    await worker.waitFor((e) => e.ev === "start" && e.job === jobId)
    const cancel = await cli("cancel", jobId)
    expectExit(cancel, 0)
    expect(jsonLines<JobStatus>(cancel.stdout)[0]).toMatchObject({ job_id: jobId, status: "cancelled" })
    const followed = await follower.done
    expectExit(followed, 2)
    expect(followed.stderr).toContain(`job ${jobId} was cancelled`)
    expect(jsonLines<Line>(followed.stdout).at(-1)!.job.status).toBe("cancelled")

    const again = await cli("cancel", jobId)
    expectExit(again, 1)
    expect(again.stderr).toContain(`job ${jobId} already finished (cancelled)`)
  })

  it("status prints the job document; an unknown job exits 1", async () => {
    const [known, unknown] = await Promise.all([cli("status", completedJob.job_id), cli("status", "job-does-not-exist")])
    expectExit(known, 0)
    expect(JSON.parse(known.stdout)).toEqual(completedJob)
    expectExit(unknown, 1)
    expect(unknown.stderr).toContain("no job job-does-not-exist")
  })

  it("status and jobs name a status document that does not decode, exit 5, and the listing carries on", async () => {
    const jobId = "job-corrupt-status-1"
    await client.runPromise(IngestStreams.use(({ nats }) =>
      Effect.promise(async () => (await nats.kvm.open(JOBS_BUCKET)).put(jobId, "<html>not a status</html>"))
    ))
    const status = await cli("status", jobId)
    expectExit(status, 5)
    expect(status.stderr).toContain(`the stored status of job ${jobId}`)
    expect(status.stderr).toContain(`nats kv del ingest_jobs ${jobId}`)
    const listed = await cli("jobs", "--json")
    expectExit(listed, 0)
    expect(JSON.parse(listed.stdout).recent.map((j: JobStatus) => j.job_id)).toContain(completedJob.job_id)
    await client.runPromise(IngestStreams.use(({ nats }) =>
      Effect.promise(async () => (await nats.kvm.open(JOBS_BUCKET)).delete(jobId))
    ))
  })

  it("jobs lists live jobs in queue order and recently finished ones", async () => {
    const running = await cli("ingest", "event", eventId(), "--track", "hang")
    const live = jsonLines<Line>(running.stdout)[0]!.job
    await waitForStatus(client, live.job_id, (s) => s.status === "running")
    const listed = await cli("jobs", "--json")
    expectExit(listed, 0)
    const { live: liveJobs, recent } = JSON.parse(listed.stdout) as { live: Array<JobStatus>; recent: Array<JobStatus> }
    expect(liveJobs.map((j) => [j.job_id, j.status])).toEqual([[live.job_id, "running"]])
    expect(recent.map((j) => j.job_id)).toEqual(expect.arrayContaining([completedJob.job_id, failedJob.job_id]))
    expect(recent.every((j) => j.status !== "queued" && j.status !== "running")).toBe(true)
    expectExit(await cli("cancel", live.job_id), 0)
  })

  it("dlq ls shows the dead letter; replay queues it as a new job and removes it; replaying again exits 1", async () => {
    const listed = await cli("dlq", "ls")
    expectExit(listed, 0)
    const { entries, total } = JSON.parse(listed.stdout)
    expect(total).toBe(entries.length)
    expect(entries).toContainEqual(expect.objectContaining({
      job_id: failedJob.job_id,
      kind: "ingest_event",
      subject: `ingest.event.${failedJob.params["event_id"]}`,
      params: failedJob.params,
      error_code: "TEST_TERMINAL",
      error_message: "this will never work",
      attempts: 1
    }))

    const replayed = await cli("dlq", "replay", failedJob.job_id)
    expectExit(replayed, 0)
    const result = JSON.parse(replayed.stdout)
    expect(result).toMatchObject({ replayed_from: failedJob.job_id, removed: 1, deduplicated: false })
    expect(result.job.job_id).not.toBe(failedJob.job_id)
    expect(result.job.params).toEqual(failedJob.params)
    // The replayed command runs (and, scripted to fail, dies again under its new id).
    const rerun = await waitForStatus(client, result.job.job_id, (s) => s.status === "failed")
    expect(rerun.error_code).toBe("TEST_TERMINAL")

    const after = JSON.parse((await cli("dlq", "ls")).stdout)
    expect(after.entries.map((e: { job_id: string }) => e.job_id)).not.toContain(failedJob.job_id)
    expect(after.entries.map((e: { job_id: string }) => e.job_id)).toContain(rerun.job_id)

    const twice = await cli("dlq", "replay", failedJob.job_id)
    expectExit(twice, 1)
    expect(twice.stderr).toContain(`no dead letter for job ${failedJob.job_id}`)
    failedJob = rerun
  })

  it("replaying a dead job whose key has a live job answers with the live job and clears the letter", async () => {
    const live = jsonLines<Line>(
      (await cli("ingest", "event", String(failedJob.params["event_id"]), "--track", "hang")).stdout
    )[0]!.job
    const replayed = await cli("dlq", "replay", failedJob.job_id)
    expectExit(replayed, 0)
    expect(JSON.parse(replayed.stdout)).toMatchObject({
      replayed_from: failedJob.job_id,
      removed: 1,
      deduplicated: true,
      job: { job_id: live.job_id }
    })
    const entries = JSON.parse((await cli("dlq", "ls")).stdout).entries as Array<{ job_id: string }>
    expect(entries.map((e) => e.job_id)).not.toContain(failedJob.job_id)
    expectExit(await cli("cancel", live.job_id), 0)
  })

  it("bad input exits 3 with one precise message and publishes nothing", async () => {
    const before = await lastSeq()
    const runs = await Promise.all([
      cli("ingest", "event", "0123"),
      cli("ingest", "event", "5", "--track", "Bad_Slug"),
      cli("ingest", "event", "5", "--depth", "full"),
      cli("ingest", "event"),
      cli("discover", "practice", "canberraoffroad", "--from", "2025-02-30", "--to", "2025-03-03"),
      cli("discover", "practice", "canberraoffroad", "--from", "2025-03-02", "--to", "2025-03-01"),
      cli("sync", "events", "no.dots"),
      cli("status", "bad id!"),
      runCli(["ingest", "event", "5"], { ...cliEnv, INGEST_MAX_CONCURRENT: "0", NATS_CONNECT_TIMEOUT: "soon" })
    ])
    const expected = [
      "invalid LiveRC id \"0123\": a LiveRC id is 1-12 decimal digits without a leading zero",
      "invalid track slug \"Bad_Slug\": a track slug is 1-63 characters of a-z, 0-9 and '-'",
      "Invalid value for flag --depth: \"full\". Expected: \"summary\" | \"laps_full\"",
      "Missing required argument: event-id",
      "--from: invalid date \"2025-02-30\": not a calendar date",
      "--from 2025-03-02 is after --to 2025-03-01",
      "invalid track slug \"no.dots\"",
      "invalid job id \"bad id!\": a job id is 8-64 characters",
      "INGEST_MAX_CONCURRENT: \"0\" given; expected a value between 1 and 10000"
    ]
    runs.forEach((run, i) => {
      expectExit(run, 3)
      expect(run.stderr).toContain(expected[i])
      expect(run.stdout).not.toContain("\"job_id\"")
    })
    expect(runs[8]!.stderr).toContain("NATS_CONNECT_TIMEOUT: \"soon\" given; expected a duration like 500ms, 30s, 5m or 1h")
    expect(await lastSeq()).toBe(before)
  })

  it("exits 4 naming the server when NATS does not answer", async () => {
    const port = await freePort()
    const run = await runCli(["ingest", "event", "5"], { NATS_URL: `nats://127.0.0.1:${port}`, NATS_CONNECT_TIMEOUT: "1s" })
    expectExit(run, 4)
    expect(run.stderr).toContain(`NATS at nats://127.0.0.1:${port} did not answer within 1000 ms`)
  })

  it("never prints the credentials of NATS_URL", async () => {
    const port = await freePort()
    const run = await runCli(["status", "job-aaaaaaaa"], {
      NATS_URL: `nats://ops:hunter2-secret@127.0.0.1:${port}`,
      NATS_CONNECT_TIMEOUT: "1s"
    })
    expectExit(run, 4)
    expect(run.stderr).toContain(`NATS at nats://***@127.0.0.1:${port} did not answer`)
    expect(`${run.stdout}${run.stderr}`).not.toContain("hunter2-secret")
  })

  it("pause and resume flip the global kill switch", async () => {
    const killSwitch = () =>
      client.runPromise(IngestStreams.use(({ nats }) =>
        Effect.promise(async () => (await (await nats.kvm.open(THROTTLE_BUCKET)).get("killswitch"))?.string())
      ))
    const paused = await cli("pause")
    expectExit(paused, 0)
    expect(paused.stdout).toContain("paused: no process starts a LiveRC request")
    expect(await killSwitch()).toBe("on")
    const resumed = await cli("resume")
    expectExit(resumed, 0)
    expect(resumed.stdout).toContain("running: LiveRC requests allowed")
    expect(await killSwitch()).toBe("off")
  })

  it.skipIf(!hasScript())("on a terminal, --wait redraws one progress line in place and prints the finished job", async () => {
    const run = await runCliInTerminal(["ingest", "event", eventId(), "--track", "progress-6", "--wait"], cliEnv)
    expectExit(run, 0)
    const redraws = run.stdout.split("\r\x1b[2K").slice(1)
    expect(redraws.length).toBeGreaterThan(2)
    expect(redraws.some((line) => /running {2}step {2}\[█*░+\] \d\/6 {2}0:0\d/.test(line))).toBe(true)
    expect(redraws.at(-1)).toMatch(/completed {2}step {2}\[█+\] 6\/6/)
    expect(run.stdout).toContain("\"status\": \"completed\"")
  })

  it("left the deployment's settings alone although its environment had none of them", async () => {
    const info = await client.runPromise(
      IngestStreams.use(({ nats }) => Effect.promise(() => nats.jsm.consumers.info(INGEST_STREAM, WORKERS_CONSUMER)))
    )
    expect(info.config).toMatchObject({ max_ack_pending: 4, ack_wait: 2_000_000_000, max_deliver: 2 })
  })
})

describe("liverc-ingest on an empty server", () => {
  let server: NatsTestServer
  beforeAll(async () => {
    server = await startNatsServer()
  })
  afterAll(async () => {
    await server?.stop()
  })

  it("creates the topology from its environment, exits 4 when the queue is full, and never changes a setting that exists", async () => {
    const env = { NATS_URL: server.url, INGEST_QUEUE_MAX: "1" }
    expectExitOk(await runCli(["sync", "tracks"], env))
    const full = await runCli(["sync", "events", "canberraoffroad"], env)
    expect(full.code).toBe(4)
    expect(full.stderr).toContain("the ingest queue is full")
    const raised = await runCli(["sync", "events", "canberraoffroad"], { ...env, INGEST_QUEUE_MAX: "50" })
    expect(raised.code).toBe(4)
    const nc = await connect({ servers: server.url })
    try {
      const info = await (await jetstreamManager(nc)).streams.info(INGEST_STREAM)
      expect(info.config.max_msgs).toBe(1)
      expect(info.state.messages).toBe(1)
    } finally {
      await nc.close()
    }
  })
})

const expectExitOk = (run: CliRun) => expect(run.code, run.stderr).toBe(0)

/** The first JSON line a running CLI prints (the job it queued or found). */
const firstLine = async (cli: RunningCli): Promise<Line> => {
  const deadline = Date.now() + 30_000
  while (!cli.stdout().includes("\n")) {
    if (Date.now() > deadline) throw new Error("the CLI printed nothing within 30 s")
    await new Promise((r) => setTimeout(r, 50))
  }
  return jsonLines<Line>(cli.stdout())[0]!
}
