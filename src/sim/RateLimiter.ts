/**
 * LiveRC's side of throttling: at most `limit` requests admitted in any sliding 1-second window.
 * A request beyond it is refused with the seconds until the window has room (for `Retry-After`).
 */
export class SlidingWindowLimiter {
  private stamps: Array<number> = []
  private head = 0

  /** Admits (and records) a request at `nowMs`, or returns the ms to wait. */
  admit(nowMs: number, limit: number | null): { readonly admitted: true } | { readonly admitted: false; readonly waitMs: number } {
    this.expire(nowMs)
    if (limit !== null && this.stamps.length - this.head >= limit) {
      const oldest = this.stamps[this.head] ?? nowMs
      return { admitted: false, waitMs: Math.max(1, oldest + 1000 - nowMs) }
    }
    this.stamps.push(nowMs)
    return { admitted: true }
  }

  reset(): void {
    this.stamps = []
    this.head = 0
  }

  private expire(nowMs: number): void {
    while (this.head < this.stamps.length && (this.stamps[this.head] as number) <= nowMs - 1000) this.head++
    if (this.head > 4096 && this.head * 2 > this.stamps.length) {
      this.stamps = this.stamps.slice(this.head)
      this.head = 0
    }
  }
}
