import { Clock, Context, Deferred, Duration, Effect, Layer, Option } from "effect"
import { hostname } from "node:os"
import { Counter, Gauge, Histogram } from "prom-client"
import { onConnectionStatus } from "../broker/ConnectionStatus.ts"
import { ApiCode, isWrongLastSequence, type JetStreamFailure, jetStreamCall } from "../broker/JetStreamFailure.ts"
import { NatsClient } from "../broker/NatsClient.ts"
import { registry } from "../observability/Metrics.ts"
import { KillSwitch } from "./KillSwitch.ts"
import * as ServerClock from "./ServerClock.ts"
import { bucketKey, CLOCK_KEY, ThrottleBucket } from "./ThrottleBucket.ts"
import { makeHostGrouper, ThrottleConfig, type ThrottleSettings } from "./ThrottleConfig.ts"
import {
  capacityFor,
  decodeBucketState,
  DELIVERY_JITTER_MILLIS,
  encodeBucketState,
  jitterAllowanceMillis,
  type Limits,
  mergeLimits,
  reserve,
  validityMillis
} from "./TokenBucket.ts"

/**
 * The global LiveRC throttle: every LiveRC request of every process takes a token of its host
 * group's bucket first, so adding workers or machines never adds load on LiveRC.
 *
 * Per process and group, one fiber serves the waiting requests: it reserves up to `batch` slots
 * with one compare-and-set on `bucket.<group>` (TokenBucket), then releases each slot to the
 * oldest waiting request when the server clock (ServerClock) reaches it. A slot not taken within
 * its validity lapses. A process reserves again only when its previous slots are gone, so it
 * never holds more than one batch, and no slot lies more than HORIZON ahead.
 *
 * Fails closed: a token is only released while the kill switch is known to be clear, and a
 * reservation needs NATS, so with NATS unreachable requests wait (interruptibly) and resume when
 * it is back. `acquire` therefore never fails.
 */

/** No slot is reserved further ahead than this: the most debt a dead process or a reset leaves. */
export const HORIZON_MILLIS = 1000
/** Re-read the server clock this often while reserving, to keep its lag bound small... */
const RESYNC_AFTER_MILLIS = 5000
/**
 * ...and sooner while the bound is above this: at 100 requests/s every ms of lag costs 0.1 of
 * the burst (TokenBucket), so a sync slowed by a GC pause or a busy boot is retried quickly.
 */
const LAG_TARGET_MILLIS = 5
const RESYNC_MIN_INTERVAL_MILLIS = 200
const FAILURE_BACKOFF_MIN_MILLIS = 100
const FAILURE_BACKOFF_MAX_MILLIS = 2000

const groupLabel = ["group"] as const
const grantedTotal = new Counter({
  name: "liverc_throttle_tokens_granted_total",
  help: "LiveRC request tokens granted to requests of this process",
  labelNames: groupLabel,
  registers: [registry]
})
const waitSeconds = new Histogram({
  name: "liverc_throttle_wait_seconds",
  help: "Time a LiveRC request waited for its token",
  labelNames: groupLabel,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60],
  registers: [registry]
})
const conflictsTotal = new Counter({
  name: "liverc_throttle_cas_conflicts_total",
  help: "Compare-and-set conflicts on the shared bucket (another process wrote first)",
  labelNames: groupLabel,
  registers: [registry]
})
const reservationsTotal = new Counter({
  name: "liverc_throttle_reservations_total",
  help: "Successful compare-and-set reservations of a batch of tokens",
  labelNames: groupLabel,
  registers: [registry]
})
const lapsedTotal = new Counter({
  name: "liverc_throttle_tokens_lapsed_total",
  help: "Reserved tokens that lapsed unused (no request took them within their validity)",
  labelNames: groupLabel,
  registers: [registry]
})
/** The throttles of this process, for the held-by-pause gauge (metrics cannot wait on effects). */
const heldByPause = new Set<() => number>()
new Gauge({
  name: "liverc_throttle_requests_held_by_pause",
  help: "LiveRC requests of this process waiting for the kill switch to clear (0 while it is clear)",
  registers: [registry],
  collect() {
    let held = 0
    for (const count of heldByPause) held += count()
    this.set(held)
  }
})
const rateGauge = new Gauge({
  name: "liverc_throttle_rate_per_second",
  help: "Rate limit in force for the host group (lowest of all processes' settings and robots.txt)",
  labelNames: groupLabel,
  registers: [registry]
})

export interface ThrottleGroupStatus {
  readonly group: string
  /** Requests of this process waiting for a token. */
  readonly waiting: number
  /** Slots this process reserved and has not released yet. */
  readonly reserved: number
  /** The limits in force (lowest proposal in the bucket); null before the first reservation. */
  readonly limits: Limits | null
  /** What this process proposes: its configured rate, lowered by robots.txt Crawl-delay. */
  readonly proposed: Limits
  readonly crawlDelaySeconds: number | null
  readonly granted: number
  readonly reservations: number
  readonly conflicts: number
  readonly lapsed: number
}

interface Slot {
  /** Server ms from which the token may be used. */
  readonly at: number
  /** Server ms after which it lapses. */
  readonly until: number
}

interface Group {
  readonly name: string
  readonly key: string
  /** Each is handed the slot it may use; see `acquire` for what happens when it is late. */
  readonly waiters: Array<Deferred.Deferred<Slot>>
  /** Ascending by `at`; all from one reservation. */
  slots: Array<Slot>
  /** Completed by `acquire` to wake an idle serving fiber. */
  wake: Deferred.Deferred<void>
  /** Highest `tat` this process has read or written: the bucket never moves back for it. */
  highWater: number
  readonly crawlDelays: Map<string, number>
  limits: Limits | null
  failures: number
  granted: number
  reservations: number
  conflicts: number
  lapsed: number
}

type Reserved =
  | { readonly _tag: "Reserved"; readonly slots: Array<Slot> }
  | { readonly _tag: "Wait"; readonly millis: number }

const removeFrom = <A>(items: Array<A>, item: A) => {
  const index = items.indexOf(item)
  if (index >= 0) items.splice(index, 1)
}

export class HostThrottle extends Context.Service<HostThrottle, {
  /**
   * Waits until this request may go to `host` (host:port as in the URL). Interrupting the
   * caller cancels the wait; a token it had been granted is then simply not used.
   */
  readonly acquire: (host: string) => Effect.Effect<void>
  /** A robots.txt Crawl-delay for `host` (null: none): caps the rate of the host's group. */
  readonly setCrawlDelay: (host: string, seconds: number | null) => Effect.Effect<void>
  readonly groupOf: (host: string) => string
  readonly status: Effect.Effect<ReadonlyArray<ThrottleGroupStatus>>
}>()("liverc-ingest/throttle/HostThrottle") {
  static readonly make = (settings: ThrottleSettings) =>
    Effect.gen(function*() {
      const { nc } = yield* NatsClient
      const bucket = yield* ThrottleBucket
      const killSwitch = yield* KillSwitch
      const clock = yield* Clock.Clock
      // Local time is only ever used as monotonic differences (see ServerClock).
      const now = () => Number(clock.monotonicTimeNanosUnsafe()) / 1e6
      const grouper = makeHostGrouper(settings.groups)
      const processTag = `${hostname()}:${process.pid}`

      let serverClock: ServerClock.ServerClock | null = null
      let lastSyncAt = Number.NEGATIVE_INFINITY
      // A new connection may be to another server (or a new stream leader): measure again.
      yield* onConnectionStatus(nc, (status) => {
        if (status.type === "disconnect" || status.type === "reconnect") serverClock = null
      })

      const syncClock = Effect.gen(function*() {
        const sentAt = now()
        lastSyncAt = sentAt
        yield* jetStreamCall("throttle clock put", () => bucket.kv.put(CLOCK_KEY, processTag))
        const entry = yield* jetStreamCall("throttle clock get", () => bucket.kv.get(CLOCK_KEY))
        const receivedAt = now()
        if (entry === null) return Option.none<ServerClock.ServerClock>()
        serverClock = ServerClock.resynced(serverClock, entry.created.getTime(), sentAt, receivedAt)
        return Option.some(serverClock)
      })
      const needsSync = (clock: ServerClock.ServerClock, at: number) =>
        at - lastSyncAt >= RESYNC_AFTER_MILLIS ||
        (ServerClock.lagBound(clock, at) > LAG_TARGET_MILLIS && at - lastSyncAt >= RESYNC_MIN_INTERVAL_MILLIS)
      const currentClock: Effect.Effect<Option.Option<ServerClock.ServerClock>, JetStreamFailure> = Effect.suspend(
        () =>
          serverClock !== null && !needsSync(serverClock, now())
            ? Effect.succeed(Option.some(serverClock))
            : syncClock
      )

      const groups = new Map<string, Group>(grouper.groups.map((name) => [name, {
        name,
        key: bucketKey(name),
        waiters: [],
        slots: [],
        wake: Deferred.makeUnsafe<void>(),
        highWater: Number.NEGATIVE_INFINITY,
        crawlDelays: new Map(),
        limits: null,
        failures: 0,
        granted: 0,
        reservations: 0,
        conflicts: 0,
        lapsed: 0
      }]))
      const groupFor = (host: string): Group => {
        const group = groups.get(grouper.groupOf(host))
        if (group === undefined) throw new Error(`host group of ${host} has no bucket`)
        return group
      }

      const proposal = (group: Group): Limits => {
        const crawlDelay = Math.max(0, ...group.crawlDelays.values())
        return {
          ratePerSec: crawlDelay > 0 ? Math.min(settings.ratePerSec, 1 / crawlDelay) : settings.ratePerSec,
          burst: settings.burst
        }
      }


      /** One CAS round: read the bucket, take up to `count` slots, write it back over the revision read. */
      const reserveSlots = (group: Group, count: number) =>
        Effect.gen(function*() {
          let conflicts = 0
          while (true) {
            const synced = yield* currentClock
            if (Option.isNone(synced)) return { _tag: "Wait", millis: FAILURE_BACKOFF_MIN_MILLIS } satisfies Reserved
            const entry = yield* jetStreamCall("throttle bucket get", () => bucket.kv.get(group.key))
            const receivedAt = now()
            let clockNow = synced.value
            if (entry !== null) {
              clockNow = ServerClock.observed(clockNow, entry.created.getTime(), receivedAt)
              if (serverClock === synced.value) serverClock = clockNow
            }
            const nowMs = ServerClock.estimate(clockNow, receivedAt)
            const stored = entry !== null && entry.operation === "PUT"
              ? decodeBucketState(entry.string())
              : Option.none()
            const leases = mergeLimits(stored, proposal(group), nowMs)
            const limits: Limits = { ratePerSec: leases.rate.value, burst: leases.burst.value }
            group.limits = limits
            rateGauge.set({ group: group.name }, limits.ratePerSec)

            const validity = validityMillis(limits)
            // Everything that can make a request reach LiveRC later than its slot, in server time:
            // the release window, the clock estimate's lag and its growth until the slot is used,
            // and the jitter of the way there.
            const lateness = validity + ServerClock.lagBound(clockNow, receivedAt) +
              2 * ServerClock.DRIFT * (HORIZON_MILLIS + validity) + jitterAllowanceMillis(limits)
            const interval = 1000 / limits.ratePerSec
            // A missing or unreadable bucket starts in debt by more than anyone can still hold
            // (HORIZON), so slots reserved before a reset (`nats kv del`) never add to new ones.
            const storedTat = Option.match(stored, {
              onNone: () => nowMs + HORIZON_MILLIS + interval,
              onSome: (state) => state.tat
            })
            group.highWater = Math.max(group.highWater, storedTat)
            const reservation = reserve({
              tat: group.highWater,
              nowMs,
              ratePerSec: limits.ratePerSec,
              capacity: capacityFor(limits, lateness),
              count,
              horizonMillis: HORIZON_MILLIS
            })
            if (reservation.slots.length === 0) {
              // A fresh bucket's debt is measured from the moment it was first read: store it, or
              // every later read would start the debt again from its own "now" and never pay it off.
              if (Option.isNone(stored)) {
                const anchored = encodeBucketState({ v: 1, tat: group.highWater, rate: leases.rate, burst: leases.burst })
                yield* jetStreamCall(
                  "throttle bucket anchor",
                  () =>
                    entry === null
                      ? bucket.kv.create(group.key, anchored)
                      : bucket.kv.update(group.key, anchored, entry.revision)
                ).pipe(Effect.catchIf(isWrongLastSequence, () => Effect.void))
              }
              const millis = ServerClock.millisUntil(clockNow, now(), reservation.nextSlot - HORIZON_MILLIS)
              return { _tag: "Wait", millis: millis + Math.random() * 5 } satisfies Reserved
            }
            const next = encodeBucketState({ v: 1, tat: reservation.tat, rate: leases.rate, burst: leases.burst })
            const written = yield* jetStreamCall(
              "throttle bucket cas",
              () =>
                entry === null
                  ? bucket.kv.create(group.key, next)
                  : bucket.kv.update(group.key, next, entry.revision)
            ).pipe(
              Effect.as(true),
              Effect.catchIf(isWrongLastSequence, () => Effect.succeed(false))
            )
            if (written) {
              group.highWater = reservation.tat
              group.reservations++
              reservationsTotal.inc({ group: group.name })
              return {
                _tag: "Reserved",
                slots: reservation.slots.map((at) => ({ at, until: at + validity }))
              } satisfies Reserved
            }
            conflicts++
            group.conflicts++
            conflictsTotal.inc({ group: group.name })
            // Jittered and growing: an immediate retry would collide with the same writers again.
            yield* Effect.sleep(Duration.millis(Math.random() * 2 ** Math.min(conflicts, 5)))
          }
        })

      /** Drops lapsed slots and hands due ones to the oldest waiters. Synchronous: no fiber runs between. */
      const release = (group: Group, nowMs: number) => {
        while (group.slots.length > 0 && group.slots[0]!.until < nowMs) {
          group.slots.shift()
          group.lapsed++
          lapsedTotal.inc({ group: group.name })
        }
        while (group.waiters.length > 0 && group.slots.length > 0 && group.slots[0]!.at <= nowMs) {
          Deferred.doneUnsafe(group.waiters.shift()!, Effect.succeed(group.slots.shift()!))
        }
      }

      const sleepMillis = (millis: number) => Effect.sleep(Duration.millis(Math.max(0, millis)))

      const step = (group: Group) =>
        Effect.gen(function*() {
          if (Deferred.isDoneUnsafe(group.wake)) group.wake = Deferred.makeUnsafe<void>()
          if (group.waiters.length === 0) return yield* Deferred.await(group.wake)
          if (!(yield* killSwitch.allowsRequests)) return yield* killSwitch.awaitAllowed
          const synced = yield* currentClock
          if (Option.isNone(synced)) return yield* sleepMillis(FAILURE_BACKOFF_MIN_MILLIS)
          // The switch is checked again right before the release: a sync above may have waited.
          if (!(yield* killSwitch.allowsRequests)) return
          release(group, ServerClock.estimate(synced.value, now()))
          if (group.waiters.length === 0) return
          const head = group.slots[0]
          if (head !== undefined) return yield* sleepMillis(ServerClock.millisUntil(synced.value, now(), head.at))
          const outcome = yield* reserveSlots(group, Math.min(settings.batch, group.waiters.length))
          if (group.failures > 0) {
            group.failures = 0
            yield* Effect.logInfo(`throttle ${group.name}: NATS answers again; LiveRC requests resume`)
          }
          if (outcome._tag === "Reserved") group.slots = outcome.slots
          else yield* sleepMillis(outcome.millis)
        }).pipe(
          Effect.catchTag("JetStreamFailure", (failure) =>
            Effect.gen(function*() {
              serverClock = null
              group.failures++
              if (group.failures === 1) {
                yield* Effect.logWarning(
                  `throttle ${group.name}: ${failure.message}; LiveRC requests wait until NATS answers`
                )
              }
              // The bucket was removed under us (`nats kv rm host_throttle`): a write to it finds
              // no stream, which the client reports as "jetstream is not enabled" (no responders).
              if (failure.code === ApiCode.streamNotFound || failure.reason === "jetstream is not enabled") {
                yield* bucket.ensure.pipe(Effect.catch((error) => Effect.logError(`throttle: ${error.message}`)))
              }
              yield* sleepMillis(
                Math.min(FAILURE_BACKOFF_MAX_MILLIS, FAILURE_BACKOFF_MIN_MILLIS * 2 ** (group.failures - 1))
              )
            })
          ),
          // A bug must not leave every request waiting forever on a dead fiber.
          Effect.catchDefect((defect) =>
            Effect.logError(`throttle ${group.name} fiber failed`, defect).pipe(
              Effect.andThen(sleepMillis(FAILURE_BACKOFF_MAX_MILLIS))
            )
          )
        )

      const held = () =>
        killSwitch.engagedNow() ? [...groups.values()].reduce((sum, group) => sum + group.waiters.length, 0) : 0
      yield* Effect.acquireRelease(Effect.sync(() => heldByPause.add(held)), () => Effect.sync(() => heldByPause.delete(held)))

      const configured: Limits = { ratePerSec: settings.ratePerSec, burst: settings.burst }
      const allowance = jitterAllowanceMillis(configured)
      if (allowance < DELIVERY_JITTER_MILLIS) {
        yield* Effect.logWarning(
          `LIVERC_BURST ${settings.burst} at LIVERC_RATE_PER_SEC ${settings.ratePerSec} leaves room for only ` +
            `${allowance.toFixed(0)} ms of delivery jitter (the rate + burst bound at LiveRC assumes up to ` +
            `${DELIVERY_JITTER_MILLIS} ms); raise LIVERC_BURST to keep the bound under slower networks`
        )
      }

      for (const group of groups.values()) {
        yield* Effect.forkScoped(Effect.forever(step(group)))
      }

      /**
       * A slot is good for its validity window only. The waiter may resume well after it was
       * handed the slot (a busy event loop, a GC pause): a request sent then could land in a later
       * second than the bucket allowed for, so it lets the slot lapse and waits again, first in line.
       */
      const stillValid = (slot: Slot) => serverClock !== null && ServerClock.estimate(serverClock, now()) <= slot.until

      const acquire = Effect.fn("HostThrottle.acquire")(function*(host: string) {
        const group = groupFor(host)
        const startedAt = now()
        let first = true
        while (true) {
          const waiter = Deferred.makeUnsafe<Slot>()
          if (first) group.waiters.push(waiter)
          else group.waiters.unshift(waiter)
          first = false
          Deferred.doneUnsafe(group.wake, Effect.void)
          const slot = yield* Deferred.await(waiter).pipe(
            Effect.onInterrupt(() => Effect.sync(() => removeFrom(group.waiters, waiter)))
          )
          if (stillValid(slot)) break
          group.lapsed++
          lapsedTotal.inc({ group: group.name })
        }
        group.granted++
        grantedTotal.inc({ group: group.name })
        waitSeconds.observe({ group: group.name }, (now() - startedAt) / 1000)
      })

      const setCrawlDelay = (host: string, seconds: number | null) =>
        Effect.sync(() => {
          const group = groupFor(host)
          if (seconds === null || !(seconds > 0)) group.crawlDelays.delete(host)
          else group.crawlDelays.set(host, seconds)
        }).pipe(Effect.withSpan("HostThrottle.setCrawlDelay"))

      const status = Effect.sync(() =>
        [...groups.values()].map((group): ThrottleGroupStatus => {
          const crawlDelay = Math.max(0, ...group.crawlDelays.values())
          return {
            group: group.name,
            waiting: group.waiters.length,
            reserved: group.slots.length,
            limits: group.limits,
            proposed: proposal(group),
            crawlDelaySeconds: crawlDelay > 0 ? crawlDelay : null,
            granted: group.granted,
            reservations: group.reservations,
            conflicts: group.conflicts,
            lapsed: group.lapsed
          }
        })
      )

      return HostThrottle.of({ acquire, setCrawlDelay, groupOf: grouper.groupOf, status })
    })

  /** Needs NatsClient; brings its own bucket and kill switch. */
  static readonly layer = Layer.effect(
    HostThrottle,
    Effect.gen(function*() {
      return yield* HostThrottle.make(yield* ThrottleConfig)
    })
  ).pipe(
    Layer.provideMerge(KillSwitch.layer),
    Layer.provideMerge(ThrottleBucket.layer)
  )
}
