import type { Prng } from "./Prng.ts"
import type { FaultRates, FaultRule } from "./SimConfig.ts"

/**
 * Injected failures. Each admitted request draws once from a seeded generator, so a given seed and
 * request order fail the same way on every run; a request matching a fault rule gets the rule's
 * fault instead (one page that always breaks, whatever else happens). Broken pages keep status 200: a client sees bytes
 * that parse wrong, as it would from a flaky proxy or a half-deployed LiveRC.
 */

export type Fault = "none" | "status404" | "status429" | "status503" | "reset" | "hang" | "truncate" | "malform"

export interface FaultPlan {
  /** The fault of the first rule matching the request's path and query; undefined: draw from the rates. */
  readonly faultFor: (target: string) => Fault | undefined
}

export const faultPlan = (rules: ReadonlyArray<FaultRule>): FaultPlan => {
  const compiled = rules.map((rule) => ({ pattern: new RegExp(rule.match), fault: rule.fault }))
  return { faultFor: (target) => compiled.find((rule) => rule.pattern.test(target))?.fault }
}

export const pickFault = (rates: FaultRates, rng: Prng): Fault => {
  const roll = rng.next()
  let edge = rates.rate429
  if (roll < edge) return "status429"
  if (roll < (edge += rates.rate503)) return "status503"
  if (roll < (edge += rates.resetRate)) return "reset"
  if (roll < (edge += rates.hangRate)) return "hang"
  if (roll < (edge += rates.truncateRate)) return "truncate"
  if (roll < (edge += rates.malformRate)) return "malform"
  return "none"
}

/** The first 10-80% of the page, cut anywhere (mid-tag, mid-script). */
export const truncate = (body: Buffer, rng: Prng): Buffer =>
  body.subarray(0, Math.floor(body.byteLength * (0.1 + rng.next() * 0.7)))

const corruptions: ReadonlyArray<(text: string, rng: Prng) => string> = [
  // Tables lose their structure: cells and rows renamed, so no table selector matches.
  (text) => text.replace(/<(\/?)(td|tr|tbody|table)\b/g, "<$1x$2"),
  // The lap script is garbled: braces and quotes unbalanced.
  (text) => text.replace(/racerLaps\[/g, "racerLaps(").replace(/'\s*:\s*'/g, "' '").replace(/\{/g, "[{"),
  // A block from the middle is dropped, splicing two unrelated halves.
  (text, rng) => {
    const from = Math.floor(text.length * (0.2 + rng.next() * 0.3))
    return text.slice(0, from) + text.slice(from + Math.floor(text.length * 0.3))
  },
  // Random binary garbage over a third of the page.
  (text, rng) => {
    const from = Math.floor(text.length * rng.next() * 0.6)
    const garbage = Array.from({ length: Math.floor(text.length / 3) }, () => String.fromCharCode(rng.int(0, 255))).join("")
    return text.slice(0, from) + garbage + text.slice(from + garbage.length)
  }
]

export const malform = (body: Buffer, rng: Prng): Buffer =>
  Buffer.from(rng.pick(corruptions)(body.toString("utf8"), rng), "utf8")
