import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { type CliWorker, type IngestRig, startRig } from "../support/IngestRig.ts"

/**
 * `liverc-ingest worker` as shipped: the CLI process running the pipeline handlers against the
 * simulator (LIVERC_TRACK_URL) and a fresh database. The pipeline's own behaviour is specified in
 * test/pipeline; here, what the process does with a job's outcome and with a signal.
 */
describe("liverc-ingest worker", () => {
  let rig: IngestRig
  let worker: CliWorker

  beforeAll(async () => {
    rig = await startRig({ env: { INGEST_MAX_DELIVER: "2", INGEST_RETRY_BASE: "200 millis" } })
    worker = await rig.startWorker()
  })
  afterAll(async () => {
    await rig?.close()
  })

  it("runs an ingest job to completion with the counts of what it stored", async () => {
    const command = await rig.enqueue({ kind: "ingest_event", event_id: "486677", track_slug: "canberraoffroad", depth: "summary" })
    const done = await rig.settled(command.job_id)
    expect(done).toMatchObject({ status: "completed", attempts: 1, result: { races: 32 } })
    const [row] = await rig.sql.query<{ n: string }>("SELECT count(*) AS n FROM races")
    expect(Number(row?.n)).toBe(32)
  })

  it("retries while LiveRC answers 503, then fails with the last error after INGEST_MAX_DELIVER attempts", async () => {
    await rig.sim.configure({ faults: { rate503: 1 } })
    try {
      const command = await rig.enqueue({ kind: "ingest_event", event_id: "486677", track_slug: "bbrcc", depth: "summary" })
      const done = await rig.settled(command.job_id)
      expect(done).toMatchObject({ status: "failed", attempts: 2, error_code: "LIVERC_UNAVAILABLE" })
    } finally {
      await rig.sim.configure({ faults: { rate503: 0 } })
    }
  })

  it("stops on SIGTERM with exit code 0", async () => {
    expect(await worker.terminate()).toBe(0)
    expect(worker.output()).toContain("worker pool stopped")
  })
})
