/**
 * A conservative estimate of the NATS server's clock, so that every process of the throttle
 * measures time on ONE clock whatever the skew between machines.
 *
 * Why not the local wall clock: with `ts' = max(ts, now)` a host running 2 s ahead jumps the
 * shared time forward (crediting up to a full burst) whenever it takes over from a host running
 * behind, and can do so again after each idle spell: a bound violation of up to one burst, again
 * and again. Server timestamps remove that: a KV entry's `created` is the server's time of that
 * write, and whatever we read had been written before we received it, so
 *
 *   server_now(t) >= created + (t - received) * (1 - DRIFT)
 *
 * for any local monotonic time t after `received` (DRIFT bounds how much faster the local
 * monotonic clock may run than the server's). The estimate is the best such lower bound, so it
 * is never ahead of the server: a slot is never released before its time. Its lag behind the
 * server is bounded after a sync (put a key, read it back): the write happened after we sent it,
 *
 *   lag(t) <= (received - sent) * (1 + DRIFT) + 2 * DRIFT * (t - received)
 *
 * and HostThrottle counts that lag into the lateness budget (see TokenBucket) and re-syncs when it
 * grows. Local wall-clock skew never enters: only local monotonic differences are used.
 */

/** 1000 ppm: twice the most NTP slews a clock, for each of the two clocks. */
export const DRIFT = 1e-3

export interface ServerClock {
  /** estimate(t) = offset + t * (1 - DRIFT); offset is the best lower bound seen. */
  readonly offset: number
  /** Local monotonic ms at which the last sync's read returned. */
  readonly syncedAt: number
  /** That sync's round trip (write sent .. read returned), the lag right after it. */
  readonly syncRoundTrip: number
}

/** A sync: the key we just wrote, read back; the entry may be ours or a later writer's. */
export const synced = (createdMs: number, sentAt: number, receivedAt: number): ServerClock => ({
  offset: createdMs - receivedAt * (1 - DRIFT),
  syncedAt: receivedAt,
  syncRoundTrip: Math.max(0, receivedAt - sentAt)
})

/**
 * A new sync next to the clock we had: the estimate takes the higher offset (both are lower
 * bounds), the lag bound the tighter of the two. A sync slowed by a pause keeps the better one.
 */
export const resynced = (
  previous: ServerClock | null,
  createdMs: number,
  sentAt: number,
  receivedAt: number
): ServerClock => {
  const fresh = synced(createdMs, sentAt, receivedAt)
  if (previous === null) return fresh
  const tighter = lagBound(previous, receivedAt) < lagBound(fresh, receivedAt) ? previous : fresh
  return { ...tighter, offset: Math.max(previous.offset, fresh.offset) }
}

/** Any other read: it can only raise the estimate (a fresher write), never lower it. */
export const observed = (clock: ServerClock, createdMs: number, receivedAt: number): ServerClock => {
  const offset = createdMs - receivedAt * (1 - DRIFT)
  return offset > clock.offset ? { ...clock, offset } : clock
}

export const estimate = (clock: ServerClock, now: number): number => clock.offset + now * (1 - DRIFT)

export const lagBound = (clock: ServerClock, now: number): number =>
  clock.syncRoundTrip * (1 + DRIFT) + 2 * DRIFT * Math.max(0, now - clock.syncedAt)

/** Local monotonic ms to wait until the estimate reaches `serverMs` (0 when it already has). */
export const millisUntil = (clock: ServerClock, now: number, serverMs: number): number =>
  Math.max(0, (serverMs - estimate(clock, now)) / (1 - DRIFT))
