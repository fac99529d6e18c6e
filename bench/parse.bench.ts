import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { Effect } from "effect"
import { Parser } from "htmlparser2"
import { parseRaceResult } from "../src/liverc/RaceResultParser.ts"

/**
 * Race pages per second and MB/s on one core for the largest real race page, next to a bare
 * htmlparser2 tokenize pass over the same bytes (no DOM, no-op callbacks): the ceiling any
 * cheerio-based parser of that page can approach. Prints both and their ratio.
 */

const file = fileURLToPath(new URL("../src/sim/captured/event-486677/race.6304829.html", import.meta.url))
const html = readFileSync(file, "utf8")
const url = "https://canberraoffroad.liverc.com/results/?p=view_race_result&id=6304829"
const megabytes = Buffer.byteLength(html) / 1e6
const seconds = Number(process.env["BENCH_SECONDS"] ?? "3")

const parse = () => {
  const race = Effect.runSync(parseRaceResult(html, url))
  if (race.results.length !== 12) throw new Error("the race page did not parse to its 12 rows")
}

const tokenize = () => {
  const parser = new Parser({})
  parser.write(html)
  parser.end()
}

/** Pages per second of `work` over one window of `ms` milliseconds. */
const window = (work: () => void, ms: number): number => {
  let runs = 0
  const started = performance.now()
  const until = started + ms
  while (performance.now() < until) {
    work()
    runs++
  }
  return runs / ((performance.now() - started) / 1000)
}

/**
 * Both measured in alternating windows and each reported at its best window, so a neighbour
 * stealing the core for a moment slows one window, not one side of the comparison.
 */
const measureBoth = (a: () => void, b: () => void) => {
  const rounds = 10
  const ms = (seconds * 1000) / rounds
  window(a, 500)
  window(b, 500)
  let bestA = 0
  let bestB = 0
  for (let round = 0; round < rounds; round++) {
    bestA = Math.max(bestA, window(a, ms))
    bestB = Math.max(bestB, window(b, ms))
  }
  return [bestA, bestB] as const
}

const report = (label: string, pagesPerSecond: number) => {
  const pages = `${pagesPerSecond.toFixed(0).padStart(6)} pages/s`
  const throughput = `${(pagesPerSecond * megabytes).toFixed(1).padStart(6)} MB/s`
  const latency = `${(1000 / pagesPerSecond).toFixed(2).padStart(6)} ms/page`
  console.log(`${label.padEnd(34)} ${pages}  ${throughput}  ${latency}`)
}

console.log(
  `race.6304829.html: ${(megabytes * 1000).toFixed(1)} kB, 12 rows, 444 laps; ` +
    `one core, best of 10 alternating windows over ${seconds} s`
)
const [parsed, tokenized] = measureBoth(parse, tokenize)
report("parseRaceResult (cheerio + Schema)", parsed)
report("htmlparser2 tokenize (ceiling)", tokenized)
console.log(
  `ratio: parseRaceResult runs at ${((parsed / tokenized) * 100).toFixed(1)}% of the tokenizer's speed ` +
    `(${(tokenized / parsed).toFixed(2)}x slower)`
)
