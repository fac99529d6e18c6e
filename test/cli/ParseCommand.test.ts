import { spawnSync } from "node:child_process"
import { mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath, pathToFileURL } from "node:url"
import { afterAll, describe, expect, it } from "vitest"
import { parseRaceResult } from "../../src/liverc/RaceResultParser.ts"
import { capturedPage, parsed } from "../support/LiveRcPages.ts"

const root = fileURLToPath(new URL("../../", import.meta.url))
const racePath = join(root, "src/sim/captured/event-486677/race.6304829.html")
const scratch = mkdtempSync(join(tmpdir(), "liverc-parse-cli-"))
afterAll(() => rmSync(scratch, { recursive: true, force: true }))

const cli = (...args: ReadonlyArray<string>) =>
  spawnSync(join(root, "node_modules/.bin/node"), [join(root, "bin/liverc-ingest.js"), ...args], {
    cwd: root,
    encoding: "utf8",
    timeout: 60_000
  })

describe("liverc-ingest parse", () => {
  it("prints a race result page as the parser's JSON, in the documented key order", () => {
    const url = "https://canberraoffroad.liverc.com/results/?p=view_race_result&id=6304829"
    const run = cli("parse", "race-result", racePath, "--url", url)
    expect(run.stderr).toBe("")
    expect(run.status).toBe(0)
    const output = JSON.parse(run.stdout)
    expect(output).toEqual(parsed(parseRaceResult(capturedPage("event-486677/race.6304829.html"), url)))
    expect(Object.keys(output)).toEqual(["raceId", "raceNumber", "className", "round", "results"])
    expect(Object.keys(output.results[0])).toEqual([
      "position", "driverName", "sourceDriverId", "carNumber", "qualPosition", "lapsCompleted", "totalTimeMs",
      "fastLapMs", "fastLapNumber", "avgLapMs", "consistencyPct", "laps"
    ])
    expect(Object.keys(output.results[0].laps[0])).toEqual(["lap", "position", "timeMs"])
  })

  it("exits 1 with the typed error on stderr for a page that does not parse", () => {
    const garbage = join(scratch, "garbage.html")
    writeFileSync(garbage, "<html><body><p>not a race</p></body></html>")
    const run = cli("parse", "race-result", garbage)
    expect(run.status).toBe(1)
    expect(run.stdout).toBe("")
    expect(JSON.parse(run.stderr.trim())).toEqual({
      _tag: "LiveRcParseError",
      page: "race-result",
      url: pathToFileURL(garbage).href,
      reason: "no race result table (table.race_result or a Pos/Driver table)"
    })
  })
})
