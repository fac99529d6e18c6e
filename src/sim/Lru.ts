/**
 * A least-recently-used cache bounded by total size, so a benchmark walking 10,000 tracks keeps
 * memory flat instead of keeping every page it ever rendered.
 */
export class Lru<V> {
  private readonly entries = new Map<string, { readonly value: V; readonly size: number }>()
  private bytes = 0
  private maxBytes: number

  constructor(maxBytes: number) {
    this.maxBytes = maxBytes
  }

  get size(): number {
    return this.entries.size
  }

  get totalBytes(): number {
    return this.bytes
  }

  get(key: string): V | undefined {
    const hit = this.entries.get(key)
    if (hit === undefined) return undefined
    this.entries.delete(key)
    this.entries.set(key, hit)
    return hit.value
  }

  set(key: string, value: V, size: number): void {
    const previous = this.entries.get(key)
    if (previous !== undefined) {
      this.bytes -= previous.size
      this.entries.delete(key)
    }
    if (size > this.maxBytes) return
    this.entries.set(key, { value, size })
    this.bytes += size
    this.evict()
  }

  resize(maxBytes: number): void {
    this.maxBytes = maxBytes
    this.evict()
  }

  clear(): void {
    this.entries.clear()
    this.bytes = 0
  }

  private evict(): void {
    while (this.bytes > this.maxBytes) {
      const oldest = this.entries.entries().next().value
      if (oldest === undefined) return
      this.entries.delete(oldest[0])
      this.bytes -= oldest[1].size
    }
  }
}
