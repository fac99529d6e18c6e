import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { beforeEntries } from "../../src/liverc/EntryListParser.ts"
import {
  afterAt,
  raceHeading,
  registrationCounts,
  splitOnTo,
  withoutResultsSuffix
} from "../../src/liverc/EventPageParser.ts"
import { lastParenthesis } from "../../src/liverc/PracticeDayParser.ts"
import { afterRound } from "../../src/liverc/RaceResultParser.ts"
import { isSpace } from "../../src/liverc/TextScan.ts"
import { cityLine, isEmail } from "../../src/liverc/TrackDashboardParser.ts"

/**
 * The one-pass replacements of the patterns recheck found super-linear (RegexSafety.test.ts) must
 * answer exactly what those patterns did. On short input the old patterns are cheap, so each
 * replacement is compared with its pattern on random strings over the characters that matter to
 * it (whitespace of every kind, line breaks, the words and digits the pattern looks for).
 */

const SPACES = [" ", "\t", "\n", "\r", "\u00a0", "\u2028", "\u2029", "\u3000", "\ufeff", "\u000b", "\u200a"]

/** Strings built from `words`, any whitespace and a few other characters. */
const textOf = (words: ReadonlyArray<string>) =>
  fc.array(
    fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom(...words) },
      { weight: 3, arbitrary: fc.constantFrom(...SPACES.slice(0, 2)) },
      { weight: 1, arbitrary: fc.constantFrom(...SPACES) },
      { weight: 1, arbitrary: fc.constantFrom("x", "Z", "7", "0", ",", ":", "-", "(", ")", "_", "é", "İ") }
    ),
    { maxLength: 16 }
  ).map((parts) => parts.join(""))

const runs = { numRuns: 5000 }

describe("TextScan.isSpace", () => {
  it("is exactly \\s", () => {
    for (let code = 0; code <= 0xffff; code++) {
      expect(isSpace(code), code.toString(16)).toBe(/\s/.test(String.fromCharCode(code)))
    }
  })
})

describe("one-pass replacements agree with the patterns they replace", () => {
  it("beforeEntries = /^(.*?)\\s*Entries:/i", () => {
    fc.assert(fc.property(textOf(["Entries:", "ENTRIES:", "entries", "Class"]), (text) => {
      expect(beforeEntries(text)).toBe(/^(.*?)\s*Entries:/i.exec(text)?.[1] ?? null)
    }), runs)
  })

  it("raceHeading = /^Race\\s+(\\d{1,6})\\s*:?\\s*(.*)$/i", () => {
    fc.assert(fc.property(textOf(["Race", "RACE ", "race", "12", "1234567", ":"]), (text) => {
      const old = /^Race\s+(\d{1,6})\s*:?\s*(.*)$/i.exec(text)
      expect(raceHeading(text)).toEqual(old === null ? null : { raceNumber: Number(old[1]), rest: old[2] })
    }), runs)
  })

  it("afterAt = /\\bat\\s+(.+)$/i", () => {
    fc.assert(fc.property(textOf(["at", "AT", "cat", "5:30pm", "Nov 16"]), (text) => {
      expect(afterAt(text)).toBe(/\bat\s+(.+)$/i.exec(text)?.[1] ?? null)
    }), runs)
  })

  it("splitOnTo = split(/\\s+to\\s+/i)", () => {
    fc.assert(fc.property(textOf(["to", "TO", "tomato", "Nov 16"]), (text) => {
      expect(splitOnTo(text)).toEqual(text.split(/\s+to\s+/i))
    }), runs)
  })

  it("registrationCounts = /Entries:\\s*([\\d,]+).*?Drivers:\\s*([\\d,]+)/i", () => {
    fc.assert(fc.property(textOf(["Entries:", "Drivers:", "drivers:", "ENTRIES:", "1", "4,129", ","]), (text) => {
      const old = /Entries:\s*([\d,]+).*?Drivers:\s*([\d,]+)/i.exec(text)
      expect(registrationCounts(text)).toEqual(old === null ? null : { entries: old[1], drivers: old[2] })
    }), runs)
  })

  it("withoutResultsSuffix = replace(/\\s+Results$/i, \"\")", () => {
    fc.assert(fc.property(textOf(["Results", "RESULTS", "A-Main"]), (text) => {
      expect(withoutResultsSuffix(text)).toBe(text.replace(/\s+Results$/i, ""))
    }), runs)
  })

  it("lastParenthesis = /^(.*?)\\s*\\(([^()]*)\\)$/", () => {
    fc.assert(fc.property(textOf(["(", ")", "1234567", "Buggy"]), (text) => {
      const old = /^(.*?)\s*\(([^()]*)\)$/.exec(text)
      expect(lastParenthesis(text)).toEqual(old === null ? null : { before: old[1], inside: old[2] })
    }), runs)
  })

  it("afterRound = /^Round:\\s*(.*)$/i", () => {
    fc.assert(fc.property(textOf(["Round:", "ROUND:", "round", "3"]), (text) => {
      expect(afterRound(text)).toBe(/^Round:\s*(.*)$/i.exec(text)?.[1] ?? null)
    }), runs)
  })

  it("cityLine = /^(.*?)(?:,\\s*|\\s+)(?:([A-Z]{1,3})\\s*)?(\\d{4,5}(?:-\\d{4})?)$/", () => {
    fc.assert(fc.property(textOf(["IL", "A", "NSW", "ABCD", "2536", "62701", "-1234", "123456", "Springfield"]), (text) => {
      const old = /^(.*?)(?:,\s*|\s+)(?:([A-Z]{1,3})\s*)?(\d{4,5}(?:-\d{4})?)$/.exec(text)
      expect(cityLine(text)).toEqual(old === null ? null : { city: old[1], region: old[2] ?? null, postcode: old[3] })
    }), runs)
  })

  it("isEmail = /^[^\\s@<>()]+@[^\\s@<>()]+\\.[^\\s@<>()]+$/ (up to 254 characters)", () => {
    const address = fc.array(fc.constantFrom("@", ".", "a", "b.c", "x.y.z", "<", " ", "\u3000", "("), { maxLength: 8 })
      .map((parts) => parts.join(""))
    fc.assert(fc.property(fc.oneof(address, textOf(["@", ".", "a", "<", "b.c", "x.y.z"])), (text) => {
      expect(isEmail(text)).toBe(text.length <= 254 && /^[^\s@<>()]+@[^\s@<>()]+\.[^\s@<>()]+$/.test(text))
    }), runs)
  })

  it("keep the real cases", () => {
    expect(cityLine("Springfield, IL 62701")).toEqual({ city: "Springfield", region: "IL", postcode: "62701" })
    expect(cityLine("Batemans Bay A2536")).toEqual({ city: "Batemans Bay", region: "A", postcode: "2536" })
    expect(cityLine("Narrabundah 02604")).toEqual({ city: "Narrabundah", region: null, postcode: "02604" })
    expect(registrationCounts("Registrations Entries: 71 Drivers: 60")).toEqual({ entries: "71", drivers: "60" })
    expect(raceHeading("Race 14: 1/8 Nitro Buggy (A-Main)")).toEqual({ raceNumber: 14, rest: "1/8 Nitro Buggy (A-Main)" })
  })
})
