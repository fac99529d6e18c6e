import { Config, Context, Effect, Exit, Layer, Semaphore } from "effect"
import { Gauge } from "prom-client"
import { boundedIntConfig, notBelow } from "../config/IntConfig.ts"
import { registry } from "../observability/Metrics.ts"
import { type AimdSettings, type AimdState, type FetchOutcome, initialState, nextState } from "./AimdPolicy.ts"

/**
 * One fetch-concurrency controller per LiveRC host, shared by every job in the process. Each
 * request attempt holds one permit of its host's semaphore; the AIMD policy resizes the semaphore
 * as responses come back, so a change applies to the very next request of jobs already running
 * (Effect's `{ concurrency: n }` is read once and could not do that).
 */

const RACE_FETCH_MIN = boundedIntConfig("RACE_FETCH_MIN", 1, 256, 1)

export const adaptiveConcurrencyConfigFields = {
  min: RACE_FETCH_MIN,
  // A ceiling below the floor would leave the limit pinned at the floor, whatever LiveRC says.
  max: notBelow(RACE_FETCH_MIN, 1, (min) => boundedIntConfig("RACE_FETCH_MAX", min, 256, Math.max(16, min))),
  start: boundedIntConfig("RACE_FETCH_START", 1, 256, 8),
  latencyTargetMs: boundedIntConfig("RACE_FETCH_LATENCY_TARGET_MS", 1, 600_000, 2500)
}

export const AdaptiveConcurrencyConfig = Config.all(adaptiveConcurrencyConfigFields)

const limitGauge = new Gauge({
  name: "liverc_fetch_concurrency_limit",
  help: "Current adaptive fetch concurrency limit per LiveRC host (only hosts used in the last 10 minutes)",
  labelNames: ["host"] as const,
  registers: [registry]
})

/** A host unused this long loses its controller (and its gauge series): labels stay bounded. */
const IDLE_EVICT_MS = 10 * 60 * 1000

interface HostController {
  readonly semaphore: Semaphore.Semaphore
  state: AimdState
  lastUsedMs: number
}

export class AdaptiveConcurrency extends Context.Service<AdaptiveConcurrency, {
  /**
   * Runs one request attempt under the host's current limit and feeds its outcome back.
   * `classify` maps the attempt's exit to a load signal.
   */
  readonly run: <A, E, R>(
    host: string,
    classify: (exit: Exit.Exit<A, E>) => FetchOutcome,
    attempt: Effect.Effect<A, E, R>
  ) => Effect.Effect<A, E, R>
  readonly limit: (host: string) => Effect.Effect<number>
  /** Subscribe to limit changes (metrics, logs). */
  readonly onChange: (listener: (host: string, limit: number) => void) => Effect.Effect<void>
}>()("liverc-ingest/throttle/AdaptiveConcurrency") {
  static readonly make = (settings: AimdSettings) =>
    Effect.gen(function*() {
      const controllers = new Map<string, HostController>()
      const listeners: Array<(host: string, limit: number) => void> = []

      const evictIdle = (now: number) => {
        for (const [host, controller] of controllers) {
          if (now - controller.lastUsedMs > IDLE_EVICT_MS) {
            controllers.delete(host)
            limitGauge.remove({ host })
          }
        }
      }

      const controllerFor = (host: string): HostController => {
        const existing = controllers.get(host)
        if (existing !== undefined) return existing
        evictIdle(Date.now())
        const state = initialState(settings)
        limitGauge.set({ host }, state.limit)
        const created: HostController = {
          semaphore: Semaphore.makeUnsafe(state.limit),
          state,
          lastUsedMs: Date.now()
        }
        controllers.set(host, created)
        return created
      }

      const feed = (host: string, controller: HostController, outcome: FetchOutcome) =>
        Effect.suspend(() => {
          const before = controller.state.limit
          controller.state = nextState(settings, controller.state, outcome, Date.now())
          const after = controller.state.limit
          if (after === before) return Effect.void
          limitGauge.set({ host }, after)
          for (const listener of listeners) listener(host, after)
          return controller.semaphore.resize(after)
        })

      const run = <A, E, R>(
        host: string,
        classify: (exit: Exit.Exit<A, E>) => FetchOutcome,
        attempt: Effect.Effect<A, E, R>
      ): Effect.Effect<A, E, R> =>
        Effect.suspend(() => {
          const controller = controllerFor(host)
          controller.lastUsedMs = Date.now()
          return controller.semaphore.withPermit(
            Effect.onExit(attempt, (exit) => feed(host, controller, classify(exit)))
          )
        })

      return AdaptiveConcurrency.of({
        run,
        limit: (host) => Effect.sync(() => controllerFor(host).state.limit),
        onChange: (listener) => Effect.sync(() => void listeners.push(listener))
      })
    })

  static readonly layer = Layer.effect(
    AdaptiveConcurrency,
    Effect.gen(function*() {
      const config = yield* AdaptiveConcurrencyConfig
      return yield* AdaptiveConcurrency.make({
        min: config.min,
        max: config.max,
        start: config.start,
        latencyTargetMs: config.latencyTargetMs,
        decreaseFactor: 0.5,
        cooldownMs: 1000
      })
    })
  )
}
