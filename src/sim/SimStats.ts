/**
 * What the simulator saw, from its own side of the wire: the ground truth later tests compare a
 * client's throttle and concurrency against. Control requests (`/__sim/...`) are not counted.
 *
 * The busiest second is exact over a SLIDING window: at every arrival it counts the arrivals in
 * the 1,000 ms ending at that arrival (the busiest window always ends at an arrival), so it is the
 * maximum over every 1-second window, not just over calendar seconds. `perSecond` adds calendar
 * buckets for plots and per-second checks.
 */

export interface SecondBucket {
  /** Unix epoch second. */
  readonly second: number
  /** Arrivals in that second (refused ones included). */
  readonly requests: number
  readonly status429: number
  /** Most requests in flight at any admission during that second (what a client's concurrency looks like from here). */
  readonly peakInFlight: number
}

export interface KindStats {
  readonly total: number
  /** By HTTP status, plus `reset`, `hang` and `aborted` (client gave up before the answer). */
  readonly byStatus: Readonly<Record<string, number>>
}

export interface SimStatsSnapshot {
  readonly since: string
  readonly elapsedMs: number
  /** Page requests received (every arrival, refused ones included). */
  readonly total: number
  readonly requestsPerSecond: number
  /** Arrivals in the last 1,000 ms. */
  readonly lastSecond: number
  readonly maxRequestsInAnySecond: number
  readonly maxWindow: "sliding-1000ms"
  /** When (ms after the last reset) the busiest window ended: to line it up with what happened then. */
  readonly maxWindowEndedAtMs: number
  readonly inFlight: number
  readonly peakConcurrency: number
  readonly notModified: number
  readonly bytesSent: number
  readonly byKind: Readonly<Record<string, KindStats>>
  readonly byStatus: Readonly<Record<string, number>>
  /** Refusals by the rate limit and by the concurrency capacity (both answered 429). */
  readonly limited: { readonly rate: number; readonly capacity: number }
  readonly faults: Readonly<Record<string, number>>
  readonly perSecond: ReadonlyArray<SecondBucket>
}

const maxBuckets = 3_600

export class SimStats {
  private sinceMs = Date.now()
  private startedAt = performance.now()
  private total = 0
  private arrivals: Array<number> = []
  private head = 0
  private maxWindow = 0
  private maxWindowAt = 0
  private inFlight = 0
  private peak = 0
  private notModified = 0
  private bytes = 0
  private byKind = new Map<string, Map<string, number>>()
  private byStatus = new Map<string, number>()
  private limited = { rate: 0, capacity: 0 }
  private faults = new Map<string, number>()
  private buckets = new Map<number, { requests: number; status429: number; peakInFlight: number }>()

  reset(): void {
    this.sinceMs = Date.now()
    this.startedAt = performance.now()
    this.total = 0
    this.arrivals = []
    this.head = 0
    this.maxWindow = 0
    this.maxWindowAt = 0
    this.peak = this.inFlight
    this.notModified = 0
    this.bytes = 0
    this.byKind = new Map()
    this.byStatus = new Map()
    this.limited = { rate: 0, capacity: 0 }
    this.faults = new Map()
    this.buckets = new Map()
  }

  get concurrency(): number {
    return this.inFlight
  }

  arrive(): void {
    const now = performance.now()
    this.total++
    this.arrivals.push(now)
    this.expire(now)
    if (this.arrivals.length - this.head > this.maxWindow) {
      this.maxWindow = this.arrivals.length - this.head
      this.maxWindowAt = now - this.startedAt
    }
    this.bucket().requests++
  }

  begin(): void {
    this.inFlight++
    if (this.inFlight > this.peak) this.peak = this.inFlight
    const bucket = this.bucket()
    if (this.inFlight > bucket.peakInFlight) bucket.peakInFlight = this.inFlight
  }

  end(): void {
    this.inFlight--
  }

  refused(reason: "rate" | "capacity"): void {
    this.limited[reason]++
  }

  fault(name: string): void {
    this.faults.set(name, (this.faults.get(name) ?? 0) + 1)
  }

  record(kind: string, status: string, bodyBytes: number): void {
    const statuses = this.byKind.get(kind) ?? new Map<string, number>()
    this.byKind.set(kind, statuses)
    statuses.set(status, (statuses.get(status) ?? 0) + 1)
    this.byStatus.set(status, (this.byStatus.get(status) ?? 0) + 1)
    if (status === "304") this.notModified++
    if (status === "429") this.bucket().status429++
    this.bytes += bodyBytes
  }

  snapshot(): SimStatsSnapshot {
    const now = performance.now()
    this.expire(now)
    const elapsedMs = now - this.startedAt
    const firstSecond = Math.floor(this.sinceMs / 1000)
    const lastSecond = Math.floor(Date.now() / 1000)
    const perSecond: Array<SecondBucket> = []
    for (let second = Math.max(firstSecond, lastSecond - maxBuckets + 1); second <= lastSecond; second++) {
      const bucket = this.buckets.get(second)
      perSecond.push({
        second,
        requests: bucket?.requests ?? 0,
        status429: bucket?.status429 ?? 0,
        peakInFlight: bucket?.peakInFlight ?? 0
      })
    }
    return {
      since: new Date(this.sinceMs).toISOString(),
      elapsedMs: Math.round(elapsedMs),
      total: this.total,
      requestsPerSecond: elapsedMs > 0 ? Math.round((this.total / elapsedMs) * 1000 * 100) / 100 : 0,
      lastSecond: this.arrivals.length - this.head,
      maxRequestsInAnySecond: this.maxWindow,
      maxWindowEndedAtMs: Math.round(this.maxWindowAt),
      maxWindow: "sliding-1000ms",
      inFlight: this.inFlight,
      peakConcurrency: this.peak,
      notModified: this.notModified,
      bytesSent: this.bytes,
      byKind: Object.fromEntries(
        [...this.byKind].map(([kind, statuses]) => [kind, {
          total: [...statuses.values()].reduce((a, b) => a + b, 0),
          byStatus: Object.fromEntries(statuses)
        }])
      ),
      byStatus: Object.fromEntries(this.byStatus),
      limited: { ...this.limited },
      faults: Object.fromEntries(this.faults),
      perSecond
    }
  }

  private bucket(): { requests: number; status429: number; peakInFlight: number } {
    const second = Math.floor(Date.now() / 1000)
    let bucket = this.buckets.get(second)
    if (bucket === undefined) {
      bucket = { requests: 0, status429: 0, peakInFlight: 0 }
      this.buckets.set(second, bucket)
      if (this.buckets.size > maxBuckets) {
        const oldest = this.buckets.keys().next().value
        if (oldest !== undefined) this.buckets.delete(oldest)
      }
    }
    return bucket
  }

  private expire(now: number): void {
    while (this.head < this.arrivals.length && (this.arrivals[this.head] as number) <= now - 1000) this.head++
    if (this.head > 4096 && this.head * 2 > this.arrivals.length) {
      this.arrivals = this.arrivals.slice(this.head)
      this.head = 0
    }
  }
}
