import { readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { Effect, Result } from "effect"
import type { LiveRcParseError } from "../../src/liverc/LiveRcParseError.ts"

/** The real captured LiveRC pages and the hand-made ones in LiveRC's style, read once per run. */

const root = fileURLToPath(new URL("../../", import.meta.url))
const cache = new Map<string, string>()

const read = (path: string): string => {
  let text = cache.get(path)
  if (text === undefined) {
    text = readFileSync(root + path, "utf8")
    cache.set(path, text)
  }
  return text
}

/** A page under `src/sim/captured/`, e.g. `event-486677/race.6304829.html`. */
export const capturedPage = (name: string): string => read(`src/sim/captured/${name}`)

/** A page under `test/fixtures/liverc/`. */
export const fixturePage = (name: string): string => read(`test/fixtures/liverc/${name}`)

export const trackUrl = (path: string): string => `https://canberraoffroad.liverc.com${path}`

/** Runs a parser effect to its value or its typed error, synchronously (parsers are pure). */
export const runParse = <A>(effect: Effect.Effect<A, LiveRcParseError>): Result.Result<A, LiveRcParseError> =>
  Effect.runSync(Effect.result(effect))

export const parsed = <A>(effect: Effect.Effect<A, LiveRcParseError>): A => {
  const result = runParse(effect)
  if (Result.isFailure(result)) throw new Error(`expected a parsed page, got: ${result.failure.message}`)
  return result.success
}

export const parseFailure = <A>(effect: Effect.Effect<A, LiveRcParseError>): LiveRcParseError => {
  const result = runParse(effect)
  if (Result.isSuccess(result)) throw new Error("expected a LiveRcParseError, the page parsed")
  return result.failure
}
