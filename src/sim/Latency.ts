import type { Prng } from "./Prng.ts"
import type { LatencyRule, LatencySpec } from "./SimConfig.ts"

/**
 * How long the simulator waits before answering: a default distribution, overridden by the first
 * rule whose regular expression matches the request's path and query (e.g. three practice days
 * at 5 s each). Waiting is a timer, never a busy loop.
 */

const sampleLatency = (spec: LatencySpec, rng: Prng): number => {
  if ("fixedMs" in spec) return spec.fixedMs
  if ("minMs" in spec) return spec.minMs + rng.next() * (spec.maxMs - spec.minMs)
  return Math.max(0, spec.meanMs + (rng.next() * 2 - 1) * spec.jitterMs)
}

export interface LatencyPlan {
  readonly latencyFor: (target: string, rng: Prng) => number
}

export const latencyPlan = (fallback: LatencySpec, rules: ReadonlyArray<LatencyRule>): LatencyPlan => {
  const compiled = rules.map((rule) => ({ pattern: new RegExp(rule.match), latency: rule.latency }))
  return {
    latencyFor: (target, rng) => sampleLatency(compiled.find((rule) => rule.pattern.test(target))?.latency ?? fallback, rng)
  }
}
