import { MessageChannel } from "node:worker_threads"
import { Config, Context, Effect, Layer, Semaphore } from "effect"
import { Piscina } from "piscina"
import { Gauge, Histogram } from "prom-client"
import { millisConfig } from "../config/DurationConfig.ts"
import { boundedIntConfig } from "../config/IntConfig.ts"
import { registry } from "../observability/Metrics.ts"
import { LiveRcParseError } from "./LiveRcParseError.ts"
import { type ParsedPages, type ParseKind, pageKindOf } from "./ParseKind.ts"
import type { ParseReply, ParseTask } from "./ParseWorker.ts"

/**
 * Page parsing off the main event loop. Parsing is CPU work on text LiveRC sends; on the loop
 * that also answers /healthz, heartbeats NATS and runs every other job, one slow page stalls them
 * all (issue 12: a 2.4 MB page took 47 s; past INGEST_ACK_WAIT the job was redelivered and ran
 * twice). Here a page is parsed in a worker thread of a piscina pool, under a deadline
 * (LIVERC_PARSE_TIMEOUT) counted from the moment a thread starts on it, so neither waiting for a
 * busy thread nor starting one is charged to a page; a page still parsing then is a
 * LiveRcParseError with reason `timeout ...`, and its task is aborted, which makes piscina
 * terminate that thread, so the runaway parse really stops (the next page gets a fresh thread).
 *
 * Small pages (LIVERC_PARSE_INLINE_BYTES, 256 KiB by default: every results page LiveRC serves for
 * an ordinary event) are parsed on the loop instead, with no deadline: every parser is linear in
 * its page (the nesting and node guards, PageParsing.ts), a normal page costs about 50 CPU ms per
 * MB here (256 KiB: about 12 ms), and hostile input stays within a small multiple of that
 * (bench:hostile measures it; HostileInput.test.ts fails anything past 20x). A parse thread is a
 * second V8 isolate that loads effect, cheerio and every parser again, about 70 MB of RSS while it
 * lives; an event's ingest no longer starts one, only a large page (the track catalogue, a hostile
 * page) does.
 *
 * What crosses the thread boundary: in, the kind, URL and page text (structured-cloned; the caller
 * keeps its copy, nothing here holds one after the task is handed over) and a port on which the
 * thread says it started; out, plain data: the model value the thread's parser already checked
 * with its Schema, or the reason a page was refused. The value is not decoded again here: that
 * would put work proportional to the page back on the loop this pool exists to protect, and a
 * structured clone of plain data is exactly the model (fresh strings, no slices of the page).
 *
 * Footprint: LIVERC_PARSE_THREADS threads at most (default 1), none until a page needs one, and
 * each exits after THREAD_IDLE_MILLIS of no work, so an idle worker holds no parse thread. A
 * thread's young generation is kept small (THREAD_YOUNG_MB): its pages' trees are emptied when
 * each parse returns, so a large nursery only delays collecting them. The pool is destroyed
 * (threads terminated) when the layer's scope closes.
 */

/** One Config per environment variable, so a start-up check can report every bad value. */
export const parsePoolConfigFields = {
  timeoutMillis: millisConfig("LIVERC_PARSE_TIMEOUT", 100, 600_000, 5_000),
  threads: boundedIntConfig("LIVERC_PARSE_THREADS", 1, 16, 1),
  inlineBytes: boundedIntConfig("LIVERC_PARSE_INLINE_BYTES", 0, 1024 * 1024, 256 * 1024)
}

export const ParsePoolConfig = Config.all(parsePoolConfigFields)

/**
 * A thread with nothing to parse for this long exits. Starting one takes about 0.9 s here (it
 * loads effect, cheerio and the parsers), which is not charged to any page's deadline.
 */
export const THREAD_IDLE_MILLIS = 30_000

/**
 * The most old-generation heap a parse thread may use. A page is at most LIVERC_MAX_PAGE_BYTES
 * (64 MiB at the most) and its tree at most MAX_NODES (about 20 MB), so no page needs this much;
 * a thread that would go past it is ended by V8 and its page fails typed, the process lives on.
 */
const THREAD_HEAP_MB = 512

/** A parse thread's young generation (V8's default grows to 64 MiB a semi-space, held while the thread lives). */
const THREAD_YOUNG_MB = 8

const WORKER_FILE = new URL("./ParseWorker.ts", import.meta.url).href

export interface PageParserSettings {
  readonly timeoutMillis: number
  readonly threads: number
  readonly idleMillis?: number
  /** Pages up to this many bytes (UTF-8) are parsed on the calling thread; 0 (the default) sends every page to a thread. */
  readonly inlineBytes?: number
  /** The thread entry, a file URL; tests swap in one that misbehaves on purpose. */
  readonly workerFile?: string
}

const parseSeconds = new Histogram({
  name: "liverc_parse_duration_seconds",
  help: "LiveRC page parses (small pages on the event loop, the rest on parse threads), by page kind and outcome (parsed, refused, timeout, failed)",
  labelNames: ["page_kind", "outcome"] as const,
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  registers: [registry]
})

const livePools = new Set<Piscina>()
new Gauge({
  name: "liverc_parse_threads",
  help: "Parse threads running now (they start on demand and exit when idle)",
  registers: [registry],
  collect() {
    let threads = 0
    for (const pool of livePools) threads += pool.threads.length
    this.set(threads)
  }
})

const describe = (error: unknown): string => (error instanceof Error ? error.message : String(error))

export class PageParser extends Context.Service<PageParser, {
  /**
   * Parses `html` as `kind`, on a parse thread unless the page is small: the model, or a
   * LiveRcParseError (the parser's reason; `timeout after N ms ...` past LIVERC_PARSE_TIMEOUT; `the
   * parse thread failed ...` if the thread died under the page). Interrupting it aborts a
   * thread's parse (and ends its thread).
   */
  readonly parse: <K extends ParseKind>(kind: K, html: string, url: string) => Effect.Effect<ParsedPages[K], LiveRcParseError>
}>()("liverc-ingest/liverc/PageParser") {
  static readonly make = Effect.fnUntraced(function*(settings: PageParserSettings) {
    const pool = yield* Effect.acquireRelease(
      Effect.sync(() => {
        const created = new Piscina({
          filename: settings.workerFile ?? WORKER_FILE,
          minThreads: 0,
          maxThreads: settings.threads,
          idleTimeout: settings.idleMillis ?? THREAD_IDLE_MILLIS,
          concurrentTasksPerWorker: 1,
          resourceLimits: { maxOldGenerationSizeMb: THREAD_HEAP_MB, maxYoungGenerationSizeMb: THREAD_YOUNG_MB }
        })
        livePools.add(created)
        return created
      }),
      (created) =>
        Effect.promise(() => {
          livePools.delete(created)
          return created.destroy()
        })
    )
    const services = yield* Effect.context<never>()
    // Errors piscina cannot pin on a task (a thread failing to start) would otherwise throw.
    pool.on("error", (error: unknown) => {
      Effect.runForkWith(services)(Effect.logError(`parse thread error: ${describe(error)}`))
    })

    const run = (kind: ParseKind, html: string, url: string) =>
      Effect.callback<unknown, LiveRcParseError>((resume) => {
        const page = pageKindOf(kind)
        const abort = new AbortController()
        const { port1: started, port2: startedInThread } = new MessageChannel()
        let startedAt: number | null = null
        let timer: ReturnType<typeof setTimeout> | undefined
        let settled = false
        const settle = (outcome: string) => {
          settled = true
          if (timer !== undefined) clearTimeout(timer)
          started.close()
          if (startedAt !== null) parseSeconds.observe({ page_kind: page, outcome }, (performance.now() - startedAt) / 1000)
        }
        const refuse = (outcome: string, reason: string) => {
          settle(outcome)
          resume(Effect.fail(new LiveRcParseError({ page, url, reason })))
        }
        started.once("message", () => {
          if (settled) return
          startedAt = performance.now()
          timer = setTimeout(() => {
            if (settled) return
            // Aborting a running task makes piscina terminate its thread: the parse stops now.
            abort.abort()
            refuse("timeout", `timeout after ${settings.timeoutMillis} ms (LIVERC_PARSE_TIMEOUT); the parse was stopped`)
          }, settings.timeoutMillis)
        })
        const task: ParseTask = { kind, url, html, started: startedInThread }
        pool.run(task, { signal: abort.signal, transferList: [startedInThread] }).then(
          (reply: ParseReply) => {
            if (settled) return
            if (reply._tag === "Parsed") {
              settle("parsed")
              resume(Effect.succeed(reply.value))
            } else {
              refuse("refused", reply.reason)
            }
          },
          (error: unknown) => {
            if (settled) return
            // A thread that died under a page (out of memory, say) fails that page; one that never
            // started is no fault of any page.
            if (startedAt !== null) refuse("failed", `the parse thread failed: ${describe(error)}`)
            else {
              settle("failed")
              resume(Effect.die(error))
            }
          }
        )
        return Effect.sync(() => {
          if (settled) return
          settle("interrupted")
          abort.abort()
        })
      })

    // One page per thread at a time, handed to piscina only when a thread is free: piscina's own
    // queue is never used, because a thread it terminates for an aborted task is not replaced until
    // the next `run` (minThreads 0), which would strand pages queued behind a runaway one.
    const permits = yield* Semaphore.make(settings.threads)

    const inlineBytes = settings.inlineBytes ?? 0
    // Loaded now, with the service, not under the first small page: loading cheerio and every
    // parser holds the loop for as long as a large page would.
    const inline = inlineBytes > 0 ? yield* Effect.promise(() => import("./ParsePage.ts")) : undefined
    const parseHere = (parsePage: typeof import("./ParsePage.ts").parsePage, kind: ParseKind, html: string, url: string) => {
      const startedAt = performance.now()
      return parsePage(kind, html, url).pipe(
        Effect.onExit((exit) =>
          Effect.sync(() =>
            parseSeconds.observe(
              { page_kind: pageKindOf(kind), outcome: exit._tag === "Success" ? "parsed" : "refused" },
              (performance.now() - startedAt) / 1000
            )
          )
        )
      )
    }

    const parse = Effect.fn("PageParser.parse")(function*(kind: ParseKind, html: string, url: string) {
      yield* Effect.annotateCurrentSpan({ page: kind })
      // Counting bytes only when the length allows either answer: a UTF-8 byte count is at least the length.
      if (inline !== undefined && html.length <= inlineBytes && Buffer.byteLength(html, "utf8") <= inlineBytes) {
        return yield* parseHere(inline.parsePage, kind, html, url)
      }
      return yield* Semaphore.withPermit(permits, run(kind, html, url)).pipe(
        Effect.tapError((error) =>
          error.reason.startsWith("timeout")
            ? Effect.logWarning(`${error.url}: parsing stopped after ${settings.timeoutMillis} ms (LIVERC_PARSE_TIMEOUT)`)
            : Effect.void
        )
      )
    })

    return PageParser.of({
      parse: parse as <K extends ParseKind>(kind: K, html: string, url: string) => Effect.Effect<ParsedPages[K], LiveRcParseError>
    })
  })

  static readonly layer = Layer.effect(
    PageParser,
    Effect.gen(function*() {
      const settings = yield* ParsePoolConfig
      return yield* PageParser.make(settings)
    })
  )
}
