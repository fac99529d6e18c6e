import * as fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { Command } from "../../src/jobs/Commands.ts"
import { commandParams } from "../../src/jobs/JobTransitions.ts"
import { covers, effectiveCommand, upgradedParams } from "../../src/jobs/JobUpgrade.ts"

const base = { v: 1 as const, job_id: "job-aaaaaaaaaaaa" } as const

const event = (depth: "summary" | "laps_full", force?: boolean) =>
  ({
    ...base,
    kind: "ingest_event",
    event_id: "486677",
    track_slug: "bbrcc",
    depth,
    ...(force === undefined ? {} : { force })
  }) as Command

describe("upgradedParams", () => {
  it("raises a summary job to laps_full and keeps every other param", () => {
    expect(upgradedParams(commandParams(event("summary")), event("laps_full"))).toEqual({
      event_id: "486677",
      track_slug: "bbrcc",
      depth: "laps_full"
    })
  })

  it("turns force on, alone or with the depth", () => {
    expect(upgradedParams(commandParams(event("laps_full")), event("summary", true))).toMatchObject({
      depth: "laps_full",
      force: true
    })
    expect(upgradedParams(commandParams(event("summary")), event("laps_full", true))).toMatchObject({
      depth: "laps_full",
      force: true
    })
  })

  it("asks nothing of a job that already does as much or more", () => {
    expect(upgradedParams(commandParams(event("laps_full")), event("summary"))).toBeUndefined()
    expect(upgradedParams(commandParams(event("summary", true)), event("summary", false))).toBeUndefined()
    expect(upgradedParams(commandParams(event("laps_full", true)), event("laps_full", true))).toBeUndefined()
  })

  it("takes a practice discovery without a depth as a summary one, and never upgrades kinds without depth", () => {
    const practice = (depth?: "laps_full") =>
      ({
        ...base,
        kind: "discover_practice",
        track_slug: "bbrcc",
        from: "2026-01-01",
        to: "2026-01-31",
        ...(depth === undefined ? {} : { depth })
      }) as Command
    expect(upgradedParams(commandParams(practice()), practice("laps_full"))).toMatchObject({ depth: "laps_full" })
    expect(upgradedParams(commandParams(practice("laps_full")), practice())).toBeUndefined()
    const sync = { ...base, kind: "sync_events", track_slug: "bbrcc" } as Command
    expect(upgradedParams({ track_slug: "bbrcc", depth: "summary" }, sync)).toBeUndefined()
  })
})

describe("effectiveCommand", () => {
  it("is the very command when its status asks for nothing more", () => {
    const command = event("laps_full")
    expect(effectiveCommand(command, { depth: "summary", force: false })).toBe(command)
    expect(covers(command, commandParams(command))).toBe(true)
  })

  it("never takes anything from a status but a deeper depth and force", () => {
    const raised = effectiveCommand(event("summary"), {
      depth: "laps_full",
      force: true,
      event_id: "1",
      track_slug: "elsewhere",
      kind: "sync_tracks"
    })
    expect(raised).toEqual({ ...event("summary"), depth: "laps_full", force: true })
  })

  it("runs what every accepted upgrade asked for, whatever their order (property)", () => {
    const request = fc.record({ depth: fc.constantFrom("summary" as const, "laps_full" as const), force: fc.option(fc.boolean(), { nil: undefined }) })
    fc.assert(fc.property(request, fc.array(request, { maxLength: 6 }), (first, later) => {
      const original = event(first.depth, first.force)
      let params = commandParams(original)
      for (const r of later) params = upgradedParams(params, event(r.depth, r.force)) ?? params
      const runs = effectiveCommand(original, params)
      // Everything asked is covered, and raising again asks for nothing more.
      for (const r of [first, ...later]) {
        expect(upgradedParams(commandParams(runs), event(r.depth, r.force))).toBeUndefined()
      }
      expect(covers(runs, params)).toBe(true)
      // Never deeper than anyone asked, never forced unless someone asked.
      const asked = [first, ...later]
      expect((runs as { depth: string }).depth === "laps_full").toBe(asked.some((r) => r.depth === "laps_full"))
      expect((runs as { force?: boolean }).force === true).toBe(asked.some((r) => r.force === true))
    }), { numRuns: 500 })
  })
})
