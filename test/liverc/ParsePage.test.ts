import { Cause, Effect, Exit, Schema } from "effect"
import { describe, expect, it } from "vitest"
import { type ParseKind, pageKindOf, parsePage } from "../../src/liverc/ParsePage.ts"
import { models } from "../support/HostileParsing.ts"
import { capturedPage, fixturePage, trackUrl } from "../support/LiveRcPages.ts"

/**
 * Hostile input: cut-short, byte-mutated and random pages go into every parser. Each must answer
 * a LiveRcParseError for its own page kind or a value its model accepts; never a throw or a defect.
 * Everything random comes from a seeded generator, so a failure names the seed that reproduces it.
 */

const kinds = Object.keys(models) as ReadonlyArray<ParseKind>

interface Sample {
  readonly name: string
  readonly kind: ParseKind
  readonly url: string
  readonly html: () => string
}

const captured = (name: string, kind: ParseKind, url: string): Sample => ({
  name,
  kind,
  url,
  html: () => capturedPage(name)
})
const handMade = (name: string, kind: ParseKind, url: string): Sample => ({
  name,
  kind,
  url,
  html: () => fixturePage(name)
})

const samples: ReadonlyArray<Sample> = [
  captured("track_catalogue.html", "track-catalogue", "https://live.liverc.com/"),
  captured("canberraoffroad_dashboard.html", "track-dashboard", trackUrl("/")),
  captured("bbrcc_dashboard.html", "track-dashboard", "https://bbrcc.liverc.com/"),
  captured("canberraoffroad_events.html", "events", trackUrl("/results/")),
  captured("event-486677/event.html", "event", trackUrl("/results/?p=view_event&id=486677")),
  captured("event-486677/race.6304829.html", "race-result", trackUrl("/results/?p=view_race_result&id=6304829")),
  captured("event-486677/race.6304822.html", "race-result", trackUrl("/results/?p=view_race_result&id=6304822")),
  handMade("entry_list.html", "entry-list", trackUrl("/results/?p=view_entry_list&id=486677")),
  handMade("multi_main_result.html", "multi-main-result", trackUrl("/results/?p=view_multi_main_result&id=939156")),
  handMade("qual_points.html", "qual-points", trackUrl("/results/?p=view_points&id=7070446")),
  handMade("qual_points_legacy.html", "qual-points", trackUrl("/results/?p=view_points&id=1")),
  handMade("round_ranking.html", "round-ranking", trackUrl("/results/?p=view_round_ranking&id=1470838&o=laps_time")),
  handMade("round_ranking_class_header.html", "round-ranking", trackUrl("/results/?p=view_round_ranking&id=1471194")),
  handMade("overall_ranking.html", "overall-ranking", trackUrl("/results/?p=event_overall_ranking&id=486677")),
  handMade("practice_month.html", "practice-month", trackUrl("/practice/?p=calendar&d=2025-10")),
  handMade("practice_day.html", "practice-day", trackUrl("/practice/?p=session_list&d=2025-10-25")),
  handMade("practice_session.html", "practice-session", trackUrl("/practice/?p=view_session&id=21290331"))
]

/** mulberry32: small, fast, and the same sequence for the same seed everywhere. */
const prng = (seed: number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const HOSTILE = `<>/='"{}[]();:,.\\%&#!-_ 0123456789abcdefghijklmnopqrstuvwxyz\n\t\u00a0\u2028\ufffd𝔘`
const SNIPPETS = [
  "<table>", "</table>", "<tr>", "</td>", "<td>", "<script>", "</script>", "<!--", "-->", "<![CDATA[", "<sup>",
  "racerLaps[1] = {", "racerLaps[99] = { 'laps' : [ { 'lapNum' : '1', 'time' : '1e9' } ] };", "'", "\\'", "}", "{",
  "?p=view_race_result&id=0", "?p=view%5Frace%5Fresult&id=99999999999999", "&#x0;", "&#99999999;",
  "<span class=\"driver_name\">", "<div class=\"race_num\">", "-1", "99999999999999999999", "1:99:99.999", "NaN",
  "</html>", "\u0000"
]

/** One hostile edit: replaced characters, a deleted or duplicated span, or an inserted fragment. */
const mutate = (html: string, random: () => number): string => {
  let text = html
  const edits = 1 + Math.floor(random() * 8)
  for (let e = 0; e < edits; e++) {
    const at = Math.floor(random() * text.length)
    const span = 1 + Math.floor(random() * (random() < 0.2 ? 5000 : 40))
    const choice = random()
    if (choice < 0.35) {
      let chars = ""
      for (let i = 0; i < span; i++) chars += HOSTILE[Math.floor(random() * HOSTILE.length)]
      text = text.slice(0, at) + chars + text.slice(at + span)
    } else if (choice < 0.55) {
      text = text.slice(0, at) + text.slice(at + span)
    } else if (choice < 0.7) {
      text = text.slice(0, at) + text.slice(at, at + span) + text.slice(at)
    } else {
      text = text.slice(0, at) + SNIPPETS[Math.floor(random() * SNIPPETS.length)] + text.slice(at)
    }
  }
  return text
}

const randomPage = (random: () => number): string => {
  const parts: Array<string> = []
  const count = Math.floor(random() * 300)
  for (let i = 0; i < count; i++) {
    parts.push(
      random() < 0.5
        ? SNIPPETS[Math.floor(random() * SNIPPETS.length)]!
        : HOSTILE.slice(Math.floor(random() * HOSTILE.length))
    )
  }
  return (random() < 0.5 ? "<html><body>" : "") + parts.join("") + (random() < 0.7 ? "</body></html>" : "")
}

/** The parser's answer must be a typed error for its kind or a value its model accepts. */
const expectTypedOutcome = (kind: ParseKind, html: string, url: string, context: string): "parsed" | "refused" => {
  const exit = Effect.runSyncExit(parsePage(kind, html, url))
  if (Exit.isSuccess(exit)) {
    expect(Schema.is(models[kind])(exit.value), `${context}: value fits ${kind}`).toBe(true)
    return "parsed"
  }
  const error = Cause.findErrorOption(exit.cause)
  expect(error._tag, `${context}: ${Cause.pretty(exit.cause)}`).toBe("Some")
  if (error._tag !== "Some") return "refused"
  expect(error.value._tag, context).toBe("LiveRcParseError")
  expect(error.value.page, context).toBe(pageKindOf(kind))
  expect(error.value.url, context).toBe(url)
  // A parser bug caught by the safety net would still be typed; it must not happen on any input.
  expect(error.value.reason, context).not.toMatch(/^unexpected parser failure/)
  return "refused"
}

describe("parsePage on hostile input", () => {
  it("parses every sample page as its own kind", () => {
    for (const sample of samples) {
      expect(expectTypedOutcome(sample.kind, sample.html(), sample.url, sample.name), sample.name).toBe("parsed")
    }
  })

  it("refuses every page cut at each 1/50th of its length", () => {
    for (const sample of samples) {
      const html = sample.html()
      for (let k = 0; k < 50; k++) {
        const prefix = html.slice(0, Math.floor((html.length * k) / 50))
        const outcome = expectTypedOutcome(sample.kind, prefix, sample.url, `${sample.name} cut at ${k}/50`)
        expect(outcome, `${sample.name} cut at ${k}/50`).toBe("refused")
      }
    }
  })

  it("answers typed outcomes for cut pages whose tags were closed again", () => {
    for (const sample of samples) {
      const html = sample.html()
      // Every 1/50th of the smaller pages, every 1/10th of the 870 kB catalogue.
      const step = sample.kind === "track-catalogue" ? 5 : 1
      for (let k = step; k < 50; k += step) {
        const prefix = html.slice(0, Math.floor((html.length * k) / 50)) + "</table></body></html>"
        expectTypedOutcome(sample.kind, prefix, sample.url, `${sample.name} cut at ${k}/50 and closed`)
      }
    }
  })

  it("answers typed outcomes for byte-mutated pages in every parser", () => {
    for (const [index, sample] of samples.entries()) {
      // The catalogue is 870 kB; fewer mutants keep the suite quick without losing its layout.
      const mutants = sample.kind === "track-catalogue" ? 3 : 10
      for (let m = 0; m < mutants; m++) {
        const seed = 1000 * index + m
        const html = mutate(sample.html(), prng(seed))
        for (const kind of kinds) {
          expectTypedOutcome(kind, html, sample.url, `${sample.name} mutant seed ${seed} as ${kind}`)
        }
      }
    }
  })

  it("answers typed outcomes for random pages in every parser", () => {
    for (let seed = 0; seed < 40; seed++) {
      const html = randomPage(prng(seed))
      for (const kind of kinds) {
        expectTypedOutcome(kind, html, "https://x.liverc.com/?p=view_race_result&id=1", `random page ${seed} as ${kind}`)
      }
    }
  })

  it("answers typed outcomes for empty, binary and pathological input", () => {
    const inputs = [
      "",
      "</html>",
      "\u0000".repeat(1000) + "</html>",
      "<".repeat(100_000) + "</html>",
      "<table>".repeat(20_000) + "</html>",
      "<script>racerLaps[1] = " + "[".repeat(50_000) + "</script></html>",
      "<script>racerLaps[1] = '" + "\\".repeat(50_001) + "</script></html>"
    ]
    for (const [i, html] of inputs.entries()) {
      for (const kind of kinds) expectTypedOutcome(kind, html, "u", `pathological input ${i} as ${kind}`)
    }
  })
})
