import { Option, Schema } from "effect"

/**
 * The shared token bucket of one host group, as a GCRA (generic cell rate algorithm) on one
 * number: `tat`, the theoretical arrival time of the next token, in NATS server milliseconds.
 * Pure functions only; HostThrottle reads and writes the state with compare-and-set.
 *
 * Why GCRA with future slots instead of `{tokens, ts}` and "take if available": a process
 * reserves up to `batch` tokens in one CAS, each with its own slot time (now, or later when the
 * bucket is empty), and releases each to a waiting request at its slot. Processes never have to
 * wake together to race for the next token, so one CAS serves a whole batch, and a reserved token
 * can only be spent inside [slot, slot + validity]: never hoarded and burst later. A process that
 * dies holding slots just leaves them unused.
 *
 * The bound. GCRA with emission interval T = 1/R and tolerance tau = (C - 1) T admits at most
 * floor(R L + C) slots in any closed interval of length L. A request reaches LiveRC at
 * slot + delta, 0 <= delta <= D (D = release validity + the server-clock estimate's lag, see
 * ServerClock, + an allowance for delivery jitter on the way to LiveRC; a request whose release
 * came later than its validity window does not go out at all, see HostThrottle.acquire), so the
 * requests inside any 1 s window have their slots inside 1 + D seconds:
 * at most floor(R (1 + D) + C). With capacity C = B - R D that is floor(R + B): the configured
 * bound "rate + burst per second" holds for every window, including the time spent releasing.
 * A capacity below 1 (a large D for the rate) makes the tolerance negative, which only spaces
 * slots further apart: slower, never faster.
 */

/** A limit one process proposes, kept while it is the lowest proposal seen within the lease. */
export const Lease = Schema.Struct({
  value: Schema.Finite.check(Schema.isGreaterThan(0)),
  /** Server milliseconds after which a process with a higher setting may replace it. */
  until: Schema.Finite
})
export type Lease = typeof Lease.Type

export const BucketState = Schema.Struct({
  v: Schema.Literal(1),
  tat: Schema.Finite,
  rate: Lease,
  burst: Lease
})
export type BucketState = typeof BucketState.Type

const decodeState = Schema.decodeUnknownOption(Schema.fromJsonString(BucketState))

/** None for a missing, deleted or unreadable value: the caller then starts the bucket afresh. */
export const decodeBucketState = (json: string): Option.Option<BucketState> => decodeState(json)

export const encodeBucketState = (state: BucketState): string => JSON.stringify(state)

export interface Limits {
  readonly ratePerSec: number
  readonly burst: number
}

/**
 * How long a stored lower limit outlives the last process proposing it. Processes that disagree
 * (a rolling deploy, one that read a robots.txt Crawl-delay) converge on the LOWEST rate and burst
 * proposed within the lease; a higher setting takes over only once nobody has renewed the lower
 * one for this long.
 */
export const LIMIT_LEASE_MILLIS = 60_000

const mergeLease = (stored: Lease | undefined, own: number, nowMs: number): Lease =>
  stored !== undefined && stored.until > nowMs && stored.value < own
    ? stored
    : { value: own, until: nowMs + LIMIT_LEASE_MILLIS }

export const mergeLimits = (
  stored: Option.Option<BucketState>,
  own: Limits,
  nowMs: number
): { readonly rate: Lease; readonly burst: Lease } => {
  const state = Option.getOrUndefined(stored)
  return {
    rate: mergeLease(state?.rate, own.ratePerSec, nowMs),
    burst: mergeLease(state?.burst, own.burst, nowMs)
  }
}

/** Longest a reserved token may wait for a request before it lapses. */
export const MAX_VALIDITY_MILLIS = 25

/**
 * The release window of a reserved token: at most 25 ms, and at most half of the burst's room
 * beyond one token, so the capacity left for real bursts stays >= (B + 1) / 2.
 */
export const validityMillis = (limits: Limits): number =>
  Math.min(MAX_VALIDITY_MILLIS, (1000 * (limits.burst - 1)) / (2 * limits.ratePerSec))

/**
 * How late past its slot a request may still reach LiveRC, beyond what the throttle controls
 * itself (release window, clock lag): the network, TLS, the receiver's own scheduling. LiveRC
 * sees its requests there, so the window bound must hold there, not only at grant time.
 */
export const DELIVERY_JITTER_MILLIS = 50
/** Kept back from the burst's room for the clock estimate's lag (HostThrottle re-syncs above it). */
const LAG_RESERVE_MILLIS = 5

/**
 * The delivery jitter the bucket allows for: DELIVERY_JITTER_MILLIS, or less when the burst has
 * no room for it. The room is what keeps the depth C >= 1; past it the throttle would have to slow
 * below the configured rate, so the allowance shrinks instead and HostThrottle says so at start.
 */
export const jitterAllowanceMillis = (limits: Limits): number => {
  const room = (1000 * (limits.burst - 1)) / limits.ratePerSec
  return Math.max(0, Math.min(DELIVERY_JITTER_MILLIS, room - validityMillis(limits) - LAG_RESERVE_MILLIS))
}

/**
 * Bucket depth C = B - R D for a total lateness D (validity + clock lag + delivery jitter), see
 * the module comment.
 */
export const capacityFor = (limits: Limits, latenessMillis: number): number =>
  limits.burst - (limits.ratePerSec * latenessMillis) / 1000

export interface Reservation {
  /** Slot times (server ms), ascending; empty when the first one lies beyond the horizon. */
  readonly slots: ReadonlyArray<number>
  readonly tat: number
  /** When the next token after these could be granted (server ms). */
  readonly nextSlot: number
}

export interface ReserveInput {
  readonly tat: number
  readonly nowMs: number
  readonly ratePerSec: number
  readonly capacity: number
  readonly count: number
  /** No slot later than now + horizon is handed out, which caps the debt anyone can leave behind. */
  readonly horizonMillis: number
}

/** GCRA virtual scheduling: a slot at t conforms when t >= tat - tau; then tat = max(tat, t) + T. */
export const reserve = (input: ReserveInput): Reservation => {
  const interval = 1000 / input.ratePerSec
  const tolerance = (input.capacity - 1) * interval
  const slots: Array<number> = []
  let tat = input.tat
  while (slots.length < input.count) {
    const slot = Math.max(input.nowMs, tat - tolerance)
    if (slot > input.nowMs + input.horizonMillis) break
    slots.push(slot)
    tat = Math.max(tat, slot) + interval
  }
  return { slots, tat, nextSlot: Math.max(input.nowMs, tat - tolerance) }
}
