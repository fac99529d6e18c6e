import { describe, expect, it } from "vitest"
import { describeParams, renderTable } from "../../src/terminal/TextTable.ts"

describe("TextTable", () => {
  it("aligns columns to the widest cell without trailing blanks", () => {
    expect(renderTable(["JOB", "STATUS", "NOTE"], [["job-1", "running", ""], ["job-22222", "queued", "#1"]])).toBe(
      ["JOB        STATUS", "job-1      running", "job-22222  queued   #1"].join("\n").replace("STATUS", "STATUS   NOTE")
    )
  })

  it("describes what a job works on in one line", () => {
    expect(describeParams({ event_id: "486677", depth: "laps_full" })).toBe("event_id=486677 depth=laps_full")
  })
})
