import type { KvEntry, Kvm } from "@nats-io/kv"
import { Clock, Context, Duration, Effect, Latch, Layer, Queue } from "effect"
import { Gauge } from "prom-client"
import { onConnectionStatus } from "../broker/ConnectionStatus.ts"
import { type JetStreamFailure, jetStreamCall, toJetStreamFailure } from "../broker/JetStreamFailure.ts"
import { NatsClient } from "../broker/NatsClient.ts"
import { registry } from "../observability/Metrics.ts"
import { supervisedLoop } from "../observability/Supervision.ts"
import { KILL_SWITCH_KEY, THROTTLE_BUCKET, ThrottleBucket } from "./ThrottleBucket.ts"

/**
 * The global kill switch: key `killswitch` of the `host_throttle` bucket. While it is engaged no
 * process starts a LiveRC request (requests already on the wire finish). Operators flip it with
 * `nats kv put host_throttle killswitch on|off` (docs/throttle.md) or through `set`/`clear`.
 *
 * Every process watches the key and also polls it every POLL interval, so a lost watch costs at
 * most one poll. Requests are allowed only while the switch was READ as clear within STALE: if
 * NATS cannot be read, nobody knows whether an operator engaged it, so requests stop (fail
 * closed), and resume with the first successful read.
 */

export const KILL_SWITCH_POLL = Duration.millis(500)
export const KILL_SWITCH_STALE = Duration.seconds(2)

/** Values that mean "clear"; anything else an operator writes (on, true, stop, ...) engages it. */
const CLEAR_VALUES = new Set(["", "off", "false", "0", "no", "clear", "resume"])

export const isEngagedValue = (value: string | null): boolean =>
  value !== null && !CLEAR_VALUES.has(value.trim().toLowerCase())

export interface KillSwitchState {
  readonly engaged: boolean
  /** The value as written, null when the key is absent or deleted. */
  readonly value: string | null
  /** Server time of the last write to the key. */
  readonly changedAt: Date | null
  /** Revision of that write (0: the key was never written). */
  readonly revision: number
}

const stateOf = (entry: KvEntry | null): KillSwitchState => {
  const value = entry === null || entry.operation !== "PUT" ? null : entry.string()
  return { engaged: isEngagedValue(value), value, changedAt: entry?.created ?? null, revision: entry?.revision ?? 0 }
}

const killSwitchGauge = new Gauge({
  name: "liverc_throttle_kill_switch",
  help: "1 while the global kill switch is engaged (no LiveRC request starts), 0 when clear",
  registers: [registry]
})
const killSwitchSinceGauge = new Gauge({
  name: "liverc_throttle_kill_switch_since_seconds",
  help: "Unix time the engaged kill switch was set (when the pause began), 0 while it is clear",
  registers: [registry]
})

/**
 * The switch read once, for operator commands: no watch, no poll, and no bucket created (none
 * means no switch was ever set).
 */
export const readKillSwitch = (kvm: Kvm): Effect.Effect<KillSwitchState | null, JetStreamFailure> =>
  jetStreamCall("kill switch read", async () => {
    const kv = await kvm.open(THROTTLE_BUCKET, { allow_direct: true }).catch(() => null)
    return kv === null ? null : await kv.get(KILL_SWITCH_KEY)
  }).pipe(Effect.map((entry) => entry === null ? null : stateOf(entry)))

/** When the pause began, for a state that is engaged; null while the switch is clear. */
export const pausedSince = (state: KillSwitchState): Date | null => state.engaged ? state.changedAt : null

export class KillSwitch extends Context.Service<KillSwitch, {
  /** Engages the switch for every process; this one pauses at once. */
  readonly set: Effect.Effect<void, JetStreamFailure>
  readonly clear: Effect.Effect<void, JetStreamFailure>
  /** Reads the switch from the bucket now. */
  readonly get: Effect.Effect<KillSwitchState, JetStreamFailure>
  /** Whether a LiveRC request may start now: the switch was read as clear within STALE. */
  readonly allowsRequests: Effect.Effect<boolean>
  /** Waits until requests may start. */
  readonly awaitAllowed: Effect.Effect<void>
  /** The switch as last read or watched here, without asking NATS; null before the first read. */
  readonly latest: Effect.Effect<KillSwitchState | null>
  /** Whether the switch was last seen engaged (for metrics, which cannot wait on an effect). */
  readonly engagedNow: () => boolean
}>()("liverc-ingest/throttle/KillSwitch") {
  static readonly layer = Layer.effect(
    KillSwitch,
    Effect.gen(function*() {
      const { nc } = yield* NatsClient
      const bucket = yield* ThrottleBucket
      const { kv } = bucket
      const clock = yield* Clock.Clock
      const now = () => Number(clock.monotonicTimeNanosUnsafe()) / 1e6
      const staleMillis = Duration.toMillis(KILL_SWITCH_STALE)

      // Closed until the first read: at boot nobody knows yet whether the switch is engaged.
      const open = Latch.makeUnsafe(false)
      let engaged: boolean | null = null
      let last: KillSwitchState | null = null
      let revision = 0
      let confirmedAt = Number.NEGATIVE_INFINITY

      /**
       * A read (poll, own write) is the latest value when it is taken, so it always applies,
       * also when the bucket was recreated and revisions start again. A watched entry applies
       * only if it is not older than what was read, so a late delivery never undoes a newer write.
       */
      const apply = (state: KillSwitchState, source: "read" | "watch") =>
        Effect.suspend(() => {
          confirmedAt = now()
          if (source === "watch" && state.revision < revision) return Effect.void
          revision = state.revision
          last = state
          killSwitchSinceGauge.set(state.engaged && last?.changedAt ? last.changedAt.getTime() / 1000 : 0)
          const changed = state.engaged !== engaged
          engaged = state.engaged
          if (engaged) open.closeUnsafe()
          else open.openUnsafe()
          if (!changed) return Effect.void
          killSwitchGauge.set(engaged ? 1 : 0)
          return engaged
            ? Effect.logWarning(`kill switch engaged (${state.value}): LiveRC requests paused`)
            : Effect.logInfo("kill switch clear: LiveRC requests allowed")
        })
      const forget = () => {
        confirmedAt = Number.NEGATIVE_INFINITY
        open.closeUnsafe()
      }
      const fresh = () => now() - confirmedAt <= staleMillis

      const get = jetStreamCall("kill switch get", () => kv.get(KILL_SWITCH_KEY)).pipe(Effect.map(stateOf))

      let failedPolls = 0
      const poll = get.pipe(
        Effect.timeout(Duration.seconds(1)),
        Effect.tap((state) => apply(state, "read")),
        Effect.tap(() => Effect.sync(() => (failedPolls = 0))),
        Effect.catch(() =>
          Effect.gen(function*() {
            if (!fresh()) open.closeUnsafe()
            // A read of a removed bucket times out like an unreachable broker; every few failures,
            // make sure the bucket exists (a no-op when it does, a quick failure when NATS is down).
            if (++failedPolls % 4 === 0) yield* Effect.ignore(Effect.timeout(bucket.ensure, Duration.seconds(1)))
          })
        ),
        Effect.andThen(Effect.sleep(KILL_SWITCH_POLL))
      )

      // The client's iterator only feeds a queue; the switch is applied (and logged) in Effect.
      const watched = yield* Queue.unbounded<KvEntry>()
      const watchOnce = Effect.scoped(Effect.gen(function*() {
        const entries = yield* Effect.acquireRelease(
          jetStreamCall("kill switch watch", () => kv.watch({ key: KILL_SWITCH_KEY })),
          (iterator) => Effect.sync(() => iterator.stop())
        )
        yield* Effect.tryPromise({
          try: async () => {
            for await (const entry of entries) Queue.offerUnsafe(watched, entry)
          },
          catch: toJetStreamFailure("kill switch watch")
        })
      }))
      // The watch ends when the connection drops; the poll covers the gap until it is back.
      const watch = watchOnce.pipe(Effect.ignore, Effect.andThen(Effect.sleep(Duration.seconds(1))))
      const applyWatched = Queue.take(watched).pipe(Effect.flatMap((entry) => apply(stateOf(entry), "watch")))

      yield* onConnectionStatus(nc, (status) => {
        if (status.type === "disconnect") forget()
      })
      yield* Effect.forkScoped(supervisedLoop("kill switch poll", poll))
      yield* Effect.forkScoped(supervisedLoop("kill switch watch", watch))
      yield* Effect.forkScoped(supervisedLoop("kill switch watch apply", applyWatched))

      const write = (value: string) =>
        jetStreamCall("kill switch put", () => kv.put(KILL_SWITCH_KEY, value)).pipe(
          Effect.flatMap((written) =>
            apply({ engaged: isEngagedValue(value), value, changedAt: new Date(), revision: written }, "read")
          )
        )

      return KillSwitch.of({
        set: Effect.withSpan(write("on"), "KillSwitch.set"),
        clear: Effect.withSpan(write("off"), "KillSwitch.clear"),
        get: Effect.withSpan(get, "KillSwitch.get"),
        allowsRequests: Effect.sync(() => open.isOpen() && fresh()),
        awaitAllowed: Effect.suspend(() => fresh() ? open.await : Effect.andThen(Effect.sync(forget), open.await)),
        latest: Effect.sync(() => last),
        engagedNow: () => engaged === true
      })
    })
  )
}
