import { describe, expect, it } from "vitest"
import { parseJsLiteral, readRacerLaps } from "../../src/liverc/RacerLapsScript.ts"
import { capturedPage } from "../support/LiveRcPages.ts"

const block = (id: string, body: string) => `racerLaps[${id}] = ${body};\nconsole.log(racerLaps[${id}]);\n`

describe("parseJsLiteral", () => {
  it("reads LiveRC's single-quoted form with spaces around the colons", () => {
    const literal = parseJsLiteral(`{ 'driverName' : 'FELIX KOEGLER', 'laps' : [ { 'lapNum' : '1', 'time' : '38.17' }, ] }`)
    expect(literal).toEqual({
      ok: true,
      value: { driverName: "FELIX KOEGLER", laps: [{ lapNum: "1", time: "38.17" }] },
      end: expect.any(Number)
    })
  })

  it("reads the older form: unquoted keys, double quotes, numbers and trailing commas", () => {
    const literal = parseJsLiteral(`{driverName: "A \\"B\\"", fastLap: 37.234, laps: [{lapNum: 0,}, {lapNum: 1, time: "40.1",},],}`)
    expect(literal.ok && literal.value).toEqual({
      driverName: "A \"B\"",
      fastLap: 37.234,
      laps: [{ lapNum: 0 }, { lapNum: 1, time: "40.1" }]
    })
  })

  it("decodes escaped apostrophes and other escapes", () => {
    const literal = parseJsLiteral(`'MATTHEW O\\'LOUGHLIN \\u00e9\\x41\\\\\\n'`)
    expect(literal.ok && literal.value).toBe("MATTHEW O'LOUGHLIN éA\\\n")
  })

  it("ignores braces and brackets inside strings when matching the closing brace", () => {
    const source = `{ 'driverName' : 'TEAM {X} [Y] }', 'laps' : [] }; racerLaps[2] = {}`
    const literal = parseJsLiteral(source)
    expect(literal.ok && literal.value).toEqual({ driverName: "TEAM {X} [Y] }", laps: [] })
    expect(literal.ok && source.slice(literal.end)).toBe("; racerLaps[2] = {}")
  })

  it("stops at the end of the value and reports where it is", () => {
    const literal = parseJsLiteral(`  [1, 2]  trailing`, 0)
    expect(literal).toEqual({ ok: true, value: [1, 2], end: 8 })
  })

  it("does not let a key named __proto__ reach the prototype", () => {
    const literal = parseJsLiteral(`{ '__proto__' : { 'polluted' : 'yes' } }`)
    expect(literal.ok).toBe(true)
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined()
  })

  it("fails with a reason on unterminated or malformed literals", () => {
    for (const source of [`{ 'a' : 'b'`, `{ 'a' 'b' }`, `[1 2]`, `'abc`, `{ a: function() {} }`, `'line\nbreak'`, ``, `{ a: 1,, }`]) {
      const literal = parseJsLiteral(source)
      expect(literal.ok, source).toBe(false)
    }
  })

  it("refuses nesting deeper than any LiveRC page instead of overflowing the stack", () => {
    const literal = parseJsLiteral("[".repeat(100_000))
    expect(literal).toMatchObject({ ok: false, reason: "nested too deeply" })
  })
})

describe("readRacerLaps", () => {
  it("reads an apostrophe escaped as \\' (O\\'LOUGHLIN, driver 768048)", () => {
    const script = block(
      "768048",
      `{
        'driverName' : 'MATTHEW O\\'LOUGHLIN',
        'fastLap' : '40.123',
        'laps' : [
          { 'lapNum' : '0', 'pos' : '1', 'time' : '0', 'pace' : '0', 'segments' : [ ] },
          { 'lapNum' : '1', 'pos' : '3', 'time' : '40.123', 'pace' : '15/10:01.845', 'segments' : [ ] },
        ]
      }`
    )
    const read = readRacerLaps(script)
    expect(read.ok).toBe(true)
    const driver = read.ok ? read.drivers.get("768048") : undefined
    expect(driver?.driverName).toBe("MATTHEW O'LOUGHLIN")
    expect(driver?.laps).toEqual([
      { lapNum: "0", pos: "1", time: "0" },
      { lapNum: "1", pos: "3", time: "40.123" }
    ])
  })

  it("skips the console.log(racerLaps[ID]) mentions and reads every block once", () => {
    const script = block("1", `{ 'driverName' : 'A', 'laps' : [] }`) + block("2", `{ 'driverName' : 'B', 'laps' : [] }`)
    const read = readRacerLaps(script)
    expect(read.ok && [...read.drivers.keys()]).toEqual(["1", "2"])
  })

  it("reads all 12 blocks and 456 lap entries (lap 0 included) of race 6304829", () => {
    const read = readRacerLaps(capturedPage("event-486677/race.6304829.html"))
    expect(read.ok).toBe(true)
    if (!read.ok) return
    expect(read.drivers.size).toBe(12)
    expect([...read.drivers.values()].reduce((sum, d) => sum + d.laps.length, 0)).toBe(444 + 11)
    expect(read.drivers.get("731648")).toMatchObject({ driverName: "RILEY LANDER", fastLap: "", laps: [] })
    expect(read.drivers.get("346997")).toMatchObject({ fastLap: "37.234", avgLap: "38.983", consistency: "92.820" })
  })

  it("fails the whole read when a present block cannot be decoded", () => {
    const read = readRacerLaps(block("1", `{ 'driverName' : 'A', 'laps' : [] }`) + `racerLaps[2] = { 'driverName' : 'B`)
    expect(read).toEqual({ ok: false, reason: "racerLaps[2]: unterminated string" })
  })

  it("fails when a lap has no number or time", () => {
    const read = readRacerLaps(block("1", `{ 'laps' : [ { 'pos' : '1' } ] }`))
    expect(read.ok).toBe(false)
  })
})
