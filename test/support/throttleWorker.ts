import { Clock, Duration, Effect, Fiber, Layer } from "effect"
import { NatsClient } from "../../src/broker/NatsClient.ts"
import { HostThrottle } from "../../src/throttle/HostThrottle.ts"

/**
 * A worker process for the throttle tests and benchmark: HostThrottle (configured from the
 * environment like a real worker: NATS_URL, LIVERC_RATE_PER_SEC, LIVERC_BURST, ...) plus a fetch
 * loop of `concurrency` fibers, each taking a token before every GET. Prints JSON lines
 * (`{"event": ...}`) on stdout: ready, status (every 50 ms: tokens held), done (counters and the
 * send time of every GET). After
 * "ready" it waits for one line on stdin, `{"startAt": <epoch ms>}`, so that a test can start
 * several workers at the same moment however long each took to boot.
 *
 *   node test/support/throttleWorker.ts '{"url":"http://127.0.0.1:PORT/","concurrency":8,"durationMs":10000}'
 */

export interface WorkerOptions {
  readonly url: string
  readonly concurrency: number
  readonly durationMs: number
  /** Shifts this process's clock (wall and monotonic), as a host with a skewed clock would have. */
  readonly clockOffsetMs?: number
  /** Windows [from, to) (ms after startAt) in which the loop sends; default: the whole run. */
  readonly busy?: ReadonlyArray<readonly [number, number]>
}

const options = JSON.parse(process.argv[2] ?? "{}") as WorkerOptions
const emit = (event: string, fields: Record<string, unknown> = {}) =>
  process.stdout.write(`${JSON.stringify({ event, ...fields })}\n`)

const skewed = (base: Clock.Clock, offsetMs: number): Clock.Clock => {
  const offsetNanos = BigInt(Math.round(offsetMs * 1e6))
  return {
    currentTimeMillisUnsafe: () => base.currentTimeMillisUnsafe() + offsetMs,
    currentTimeMillis: Effect.sync(() => base.currentTimeMillisUnsafe() + offsetMs),
    currentTimeNanosUnsafe: () => base.currentTimeNanosUnsafe() + offsetNanos,
    currentTimeNanos: Effect.sync(() => base.currentTimeNanosUnsafe() + offsetNanos),
    monotonicTimeNanosUnsafe: () => base.monotonicTimeNanosUnsafe() + offsetNanos,
    monotonicTimeNanos: Effect.sync(() => base.monotonicTimeNanosUnsafe() + offsetNanos),
    sleep: (duration) => base.sleep(duration)
  }
}

/** Real time (epoch ms, the parent's clock) of the start; `durationMs` and `busy` count from it. */
const readStart = (): Promise<number> =>
  new Promise((resolve) => {
    let buffered = ""
    process.stdin.on("data", (chunk) => {
      buffered += String(chunk)
      const line = buffered.split("\n")[0]
      if (buffered.includes("\n") && line !== undefined) {
        resolve((JSON.parse(line) as { startAt: number }).startAt)
      }
    })
  })

let startAt = Number.POSITIVE_INFINITY
const elapsed = () => Date.now() - startAt
const isBusy = () => {
  const t = elapsed()
  return t >= 0 && (options.busy === undefined || options.busy.some(([from, to]) => t >= from && t < to))
}

const program = Effect.gen(function*() {
  const throttle = yield* HostThrottle
  const host = new URL(options.url).host
  let fetched = 0
  let failed = 0
  /** When each GET left this process (epoch ms, sub-ms): the throttle's output before the wire. */
  const sentAt: Array<number> = []
  emit("ready")
  startAt = yield* Effect.promise(readStart)

  const reporter = yield* Effect.forkChild(
    Effect.gen(function*() {
      const [status] = yield* throttle.status
      emit("status", { reserved: status?.reserved ?? 0, waiting: status?.waiting ?? 0 })
    }).pipe(Effect.andThen(Effect.sleep(Duration.millis(50))), Effect.forever)
  )

  const loop = Effect.gen(function*() {
    while (elapsed() < options.durationMs) {
      if (!isBusy()) {
        yield* Effect.sleep(Duration.millis(5))
        continue
      }
      yield* throttle.acquire(host)
      sentAt.push(performance.timeOrigin + performance.now())
      const ok = yield* Effect.promise(() =>
        fetch(options.url).then(async (response) => {
          await response.text()
          return response.ok
        }, () => false)
      )
      if (ok) fetched++
      else failed++
    }
  })
  yield* Effect.all(Array.from({ length: options.concurrency }, () => loop), { concurrency: "unbounded" })
  yield* Fiber.interrupt(reporter)
  const statuses = yield* throttle.status
  emit("done", { fetched, failed, groups: statuses, sentAt })
})

const base = Effect.runSync(Clock.clockWith(Effect.succeed))
const clock = skewed(base, options.clockOffsetMs ?? 0)

await Effect.runPromise(
  program.pipe(
    Effect.provide(HostThrottle.layer.pipe(Layer.provide(NatsClient.layer("throttle-worker")))),
    Effect.provideService(Clock.Clock, clock)
  )
)
process.exit(0)
