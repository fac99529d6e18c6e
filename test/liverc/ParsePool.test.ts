import { ConfigProvider, Effect, Exit, Fiber, Layer, Result } from "effect"
import { describe, expect, it } from "vitest"
import { PageParser, type PageParserSettings } from "../../src/liverc/ParsePool.ts"
import { parsePage } from "../../src/liverc/ParsePage.ts"
import { registry } from "../../src/observability/Metrics.ts"
import { reportedAttacks } from "../../src/sim/HostilePages.ts"
import { samplePages, urlFor } from "../support/HostileParsing.ts"
import { capturedPage } from "../support/LiveRcPages.ts"

/**
 * PageParser: pages parsed on worker threads give what the pure parsers give; a parse past
 * LIVERC_PARSE_TIMEOUT ends as a typed `timeout` failure with its thread terminated, while the
 * main event loop keeps turning; threads start on demand and exit when idle. Pages up to
 * `inlineBytes` are parsed in place, with the same answers, and never start a thread.
 */

const spinning = new URL("../support/SpinningParseWorker.ts", import.meta.url).href

const withParser = <A, E>(
  settings: PageParserSettings,
  body: (parser: PageParser["Service"]) => Effect.Effect<A, E>
): Promise<A> => Effect.runPromise(Effect.scoped(Effect.flatMap(PageParser.make(settings), body)))

const threads = async (): Promise<number> => {
  const metric = await registry.getSingleMetric("liverc_parse_threads")!.get()
  return metric.values[0]?.value ?? 0
}

/** The longest gap between 5 ms ticks of the main event loop while `work` runs. */
const loopStall = async <A>(work: () => Promise<A>): Promise<{ readonly value: A; readonly stallMs: number }> => {
  let last = performance.now()
  let stallMs = 0
  const ticker = setInterval(() => {
    const now = performance.now()
    stallMs = Math.max(stallMs, now - last)
    last = now
  }, 5)
  try {
    const value = await work()
    return { value, stallMs }
  } finally {
    clearInterval(ticker)
  }
}

/** A real race page grown to ~16 MB by repeating its lap script: few nodes, lots of text to read. */
const oversizedRacePage = (): string => {
  const page = capturedPage("event-486677/race.6304829.html")
  const start = page.lastIndexOf("<script", page.indexOf("racerLaps"))
  const end = page.indexOf("</script>", start) + "</script>".length
  return page.slice(0, start) + page.slice(start, end).repeat(100) + page.slice(end)
}

describe("PageParser", () => {
  it("answers on threads exactly what the pure parsers answer", { timeout: 120_000 }, async () => {
    const samples = samplePages()
    await withParser({ timeoutMillis: 30_000, threads: 2 }, (parser) =>
      Effect.forEach(samples, (sample) =>
        Effect.gen(function*() {
          const url = urlFor[sample.kind]
          const direct = yield* Effect.result(parsePage(sample.kind, sample.html, url))
          const pooled = yield* Effect.result(parser.parse(sample.kind, sample.html, url))
          expect(pooled, sample.name).toEqual(direct)
          expect(Result.isSuccess(pooled), sample.name).toBe(true)
          // The same page as another kind: the same refusal.
          const other = sample.kind === "event" ? "race-result" : "event"
          const refusedDirect = yield* Effect.result(parsePage(other, sample.html, urlFor[other]))
          const refusedPooled = yield* Effect.result(parser.parse(other, sample.html, urlFor[other]))
          expect(refusedPooled, `${sample.name} as ${other}`).toEqual(refusedDirect)
        }), { concurrency: 4 }))
  })

  it("stops a parse past the deadline: typed timeout, thread terminated, event loop free", { timeout: 60_000 }, async () => {
    const url = urlFor["race-result"]
    const good = capturedPage("event-486677/race.6304829.html")
    await withParser({ timeoutMillis: 300, threads: 1, workerFile: spinning }, (parser) =>
      Effect.gen(function*() {
        // Warm: the thread is up, so what follows is the deadline, not a thread start.
        yield* parser.parse("race-result", good, url)
        const started = performance.now()
        const { value: failure, stallMs } = yield* Effect.promise(() =>
          loopStall(() => Effect.runPromise(Effect.flip(parser.parse("race-result", "SPIN forever", url))))
        )
        const tookMs = performance.now() - started
        expect(failure._tag).toBe("LiveRcParseError")
        expect(failure.page).toBe("race-result")
        expect(failure.url).toBe(url)
        expect(failure.reason).toMatch(/^timeout after 300 ms/)
        expect(tookMs).toBeGreaterThanOrEqual(290)
        expect(tookMs).toBeLessThan(2_000)
        expect(stallMs).toBeLessThan(100)
        // One thread only: had the spinning one lived on, this would wait forever.
        const next = yield* parser.parse("race-result", good, url).pipe(Effect.timeout("20 seconds"))
        expect(next.results).toHaveLength(12)
      }))
  })

  it("queues pages behind a slow one without charging them its time", { timeout: 60_000 }, async () => {
    const url = urlFor["race-result"]
    const good = capturedPage("event-486677/race.6304829.html")
    await withParser({ timeoutMillis: 1_000, threads: 1, workerFile: spinning }, (parser) =>
      Effect.gen(function*() {
        yield* parser.parse("race-result", good, url)
        const results = yield* Effect.all([
          Effect.result(parser.parse("race-result", "SPIN", url)),
          // Waits ~1 s for the one thread, then parses in ms: within its own deadline.
          Effect.result(parser.parse("race-result", good, url)),
          Effect.result(parser.parse("race-result", good, url))
        ], { concurrency: "unbounded" })
        expect(Result.isFailure(results[0]!)).toBe(true)
        expect(Result.isSuccess(results[1]!)).toBe(true)
        expect(Result.isSuccess(results[2]!)).toBe(true)
      }))
  })

  it("aborts the parse when the caller is interrupted", { timeout: 60_000 }, async () => {
    const url = urlFor["race-result"]
    const good = capturedPage("event-486677/race.6304829.html")
    await withParser({ timeoutMillis: 600_000, threads: 1, workerFile: spinning }, (parser) =>
      Effect.gen(function*() {
        yield* parser.parse("race-result", good, url)
        const fiber = yield* Effect.forkChild(parser.parse("race-result", "SPIN", url))
        yield* Effect.sleep("200 millis")
        const exit = yield* Fiber.interrupt(fiber).pipe(Effect.andThen(Fiber.await(fiber)))
        expect(Exit.hasInterrupts(exit)).toBe(true)
        const next = yield* parser.parse("race-result", good, url).pipe(Effect.timeout("20 seconds"))
        expect(next.results).toHaveLength(12)
      }))
  })

  it("stops a real parse of an oversized page at a short deadline", { timeout: 60_000 }, async () => {
    const html = oversizedRacePage()
    expect(html.length).toBeGreaterThan(10_000_000)
    const url = urlFor["race-result"]
    await withParser({ timeoutMillis: 100, threads: 1 }, (parser) =>
      Effect.gen(function*() {
        yield* parser.parse("race-result", capturedPage("event-486677/race.6304822.html"), url)
        const { value: failure, stallMs } = yield* Effect.promise(() =>
          loopStall(() => Effect.runPromise(Effect.flip(parser.parse("race-result", html, url))))
        )
        expect(failure.reason).toMatch(/^timeout after 100 ms/)
        // Sending 16 MB to the thread is a copy on this loop, the only work the page costs it.
        expect(stallMs).toBeLessThan(250)
      }))
  })

  it("refuses the reported attack pages quickly, off the main loop", { timeout: 60_000 }, async () => {
    await withParser({ timeoutMillis: 5_000, threads: 1 }, (parser) =>
      Effect.gen(function*() {
        const race = yield* Effect.flip(parser.parse("race-result", reportedAttacks.raceSelfClosingAttr(), urlFor["race-result"]))
        expect(race.reason).toMatch(/nests elements more than/)
        const event = yield* parser.parse("event", reportedAttacks.eventRow(), urlFor.event)
        expect(event.entries).toBeNull()
        expect(event.drivers).toBeNull()
      }))
  })

  it("starts threads on demand and lets them exit when idle", { timeout: 60_000 }, async () => {
    expect(await threads()).toBe(0)
    await withParser({ timeoutMillis: 5_000, threads: 2, idleMillis: 300 }, (parser) =>
      Effect.gen(function*() {
        expect(yield* Effect.promise(threads)).toBe(0)
        yield* parser.parse("race-result", capturedPage("event-486677/race.6304822.html"), urlFor["race-result"])
        expect(yield* Effect.promise(threads)).toBe(1)
        yield* Effect.sleep("1500 millis")
        expect(yield* Effect.promise(threads)).toBe(0)
      }))
  })

  it("parses a page up to inlineBytes on the calling thread, exactly as the pure parser, and starts no thread", { timeout: 60_000 }, async () => {
    const samples = samplePages()
    const largest = Math.max(...samples.map((sample) => Buffer.byteLength(sample.html)))
    await withParser({ timeoutMillis: 5_000, threads: 1, inlineBytes: largest }, (parser) =>
      Effect.gen(function*() {
        for (const sample of samples) {
          const url = urlFor[sample.kind]
          const direct = yield* Effect.result(parsePage(sample.kind, sample.html, url))
          expect(yield* Effect.result(parser.parse(sample.kind, sample.html, url)), sample.name).toEqual(direct)
          const other = sample.kind === "event" ? "race-result" : "event"
          const refusedDirect = yield* Effect.result(parsePage(other, sample.html, urlFor[other]))
          expect(yield* Effect.result(parser.parse(other, sample.html, urlFor[other])), `${sample.name} as ${other}`)
            .toEqual(refusedDirect)
        }
        expect(yield* Effect.promise(threads)).toBe(0)
      }))
  })

  it("sends a page over inlineBytes to a thread, under the deadline", { timeout: 60_000 }, async () => {
    const url = urlFor["race-result"]
    const good = capturedPage("event-486677/race.6304829.html")
    // SPIN never finishes: only a thread's deadline ends it, so it must not run here.
    const spin = `SPIN ${"x".repeat(200)}`
    await withParser({ timeoutMillis: 300, threads: 1, workerFile: spinning, inlineBytes: 100 }, (parser) =>
      Effect.gen(function*() {
        const failure = yield* Effect.flip(parser.parse("race-result", spin, url))
        expect(failure.reason).toMatch(/^timeout after 300 ms/)
        expect((yield* parser.parse("race-result", good, url)).results).toHaveLength(12)
      }))
    // A page of 100 characters but more UTF-8 bytes than that is over the limit too.
    const wide = `SPIN ${"é".repeat(60)}`
    expect(wide.length).toBeLessThanOrEqual(100)
    await withParser({ timeoutMillis: 300, threads: 1, workerFile: spinning, inlineBytes: 100 }, (parser) =>
      Effect.gen(function*() {
        const failure = yield* Effect.flip(parser.parse("race-result", wide, url))
        expect(failure.reason).toMatch(/^timeout after 300 ms/)
      }))
  })

  it("reads LIVERC_PARSE_TIMEOUT, LIVERC_PARSE_THREADS and LIVERC_PARSE_INLINE_BYTES, within bounds", { timeout: 60_000 }, async () => {
    const build = (env: Record<string, string>) =>
      Effect.runPromiseExit(Effect.scoped(Layer.build(PageParser.layer.pipe(
        Layer.provide(ConfigProvider.layer(ConfigProvider.fromEnv({ env })))
      ))))
    expect(Exit.isSuccess(await build({ LIVERC_PARSE_TIMEOUT: "2s", LIVERC_PARSE_THREADS: "2" }))).toBe(true)
    expect(Exit.isSuccess(await build({ LIVERC_PARSE_INLINE_BYTES: "0" }))).toBe(true)
    expect(Exit.isSuccess(await build({ LIVERC_PARSE_INLINE_BYTES: "1048576" }))).toBe(true)
    expect(Exit.isSuccess(await build({}))).toBe(true)
    const refused: ReadonlyArray<Record<string, string>> = [
      { LIVERC_PARSE_TIMEOUT: "10ms" },
      { LIVERC_PARSE_TIMEOUT: "11m" },
      { LIVERC_PARSE_THREADS: "0" },
      { LIVERC_PARSE_THREADS: "17" },
      { LIVERC_PARSE_INLINE_BYTES: "-1" },
      { LIVERC_PARSE_INLINE_BYTES: "1048577" }
    ]
    for (const env of refused) {
      expect(Exit.isFailure(await build(env)), JSON.stringify(env)).toBe(true)
    }
  })
})
