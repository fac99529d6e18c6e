import { describe, expect, it } from "vitest"
import type { JobStatus } from "../../src/jobs/JobStatus.ts"
import { formatElapsed, progressBar, renderProgressLine } from "../../src/terminal/ProgressLine.ts"

const job = (fields: Partial<JobStatus>): JobStatus => ({
  job_id: "job-abcdefgh12345678" as JobStatus["job_id"],
  kind: "ingest_event",
  status: "running",
  attempts: 1,
  created_at: "2026-01-01T00:00:00.000Z",
  updated_at: "2026-01-01T00:00:00.000Z",
  progress: null,
  result: null,
  error_code: null,
  error_message: null,
  params: { event_id: "486677" },
  stream_seq: 1,
  ...fields
})

describe("ProgressLine", () => {
  it("shows stage, a bar, done/total and the elapsed time of a running job", () => {
    const line = renderProgressLine(job({ progress: { stage: "fetch_races", done: 12, total: 31 } }), 7_400, 100)
    expect(line).toMatch(/^job-abcdefgh12345678 {2}running {2}fetch_races {2}\[█+░+\] 12\/31 {2}0:07$/)
    // 12/31 of a 30-cell bar (the widest it gets): 12 cells filled.
    expect(/\[[█░]+\]/.exec(line)?.[0]).toBe(`[${"█".repeat(12)}${"░".repeat(18)}]`)
  })

  it("shows the place in line and a pending retry of a queued job", () => {
    expect(renderProgressLine(job({ status: "queued", attempts: 1, queue_position: 3 }), 65_000, 100))
      .toBe("job-abcdefgh12345678  queued #3 in line  1:05")
    expect(renderProgressLine(job({ status: "queued", attempts: 2, error_code: "LIVERC_UNAVAILABLE" }), 0, 100))
      .toBe("job-abcdefgh12345678  queued (attempt 2), retrying after LIVERC_UNAVAILABLE  0:00")
  })

  it("drops the bar when the total is unknown or the terminal is narrow, and never wraps", () => {
    expect(renderProgressLine(job({ progress: { stage: "read_months", done: 4, total: null } }), 1000, 100))
      .toBe("job-abcdefgh12345678  running  read_months  4  0:01")
    const narrow = renderProgressLine(job({ progress: { stage: "fetch_races", done: 1, total: 2 } }), 1000, 40)
    expect(narrow).not.toContain("[")
    expect(narrow.length).toBeLessThan(40)
  })

  it("fills the bar in proportion and formats hours", () => {
    expect(progressBar(1, 4, 8)).toBe("[██░░░░░░]")
    expect(progressBar(9, 4, 4)).toBe("[████]")
    expect(formatElapsed(3_725_000)).toBe("1:02:05")
  })
})
