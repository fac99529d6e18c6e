/**
 * Seeded randomness for the simulator. Every synthetic page is a pure function of a seed built from
 * its id (and the world seed), so the same URL always yields the same bytes, in any process.
 */

/** FNV-1a over the parts joined with `|`, then an avalanche mix: a well-spread 32-bit seed. */
export const seedOf = (...parts: ReadonlyArray<string | number>): number => {
  let hash = 0x811c9dc5
  const text = parts.join("|")
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i)
    hash = Math.imul(hash, 0x01000193)
  }
  hash ^= hash >>> 16
  hash = Math.imul(hash, 0x85ebca6b)
  hash ^= hash >>> 13
  hash = Math.imul(hash, 0xc2b2ae35)
  hash ^= hash >>> 16
  return hash >>> 0
}

/** mulberry32: tiny, fast, and good enough for plausible data (not for cryptography). */
export class Prng {
  private state: number

  constructor(seed: number) {
    this.state = seed >>> 0
  }

  /** Uniform in [0, 1). */
  next(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0
    let t = this.state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }

  /** Integer in [min, max], both inclusive. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1))
  }

  chance(probability: number): boolean {
    return this.next() < probability
  }

  pick<A>(items: ReadonlyArray<A>): A {
    const item = items[Math.floor(this.next() * items.length)]
    if (item === undefined) throw new Error("Prng.pick on an empty list")
    return item
  }

  /** Approximately normal (Irwin-Hall of 4), mean 0, standard deviation 1. */
  normal(): number {
    return (this.next() + this.next() + this.next() + this.next() - 2) * Math.sqrt(3)
  }

  /** `count` distinct integers from [0, size), in random order. */
  sample(size: number, count: number): Array<number> {
    const n = Math.min(size, count)
    if (n * 3 < size) {
      const chosen = new Set<number>()
      const out: Array<number> = []
      while (out.length < n) {
        const candidate = Math.floor(this.next() * size)
        if (!chosen.has(candidate)) {
          chosen.add(candidate)
          out.push(candidate)
        }
      }
      return out
    }
    const all = Array.from({ length: size }, (_, i) => i)
    this.shuffle(all)
    return all.slice(0, n)
  }

  shuffle<A>(items: Array<A>): Array<A> {
    for (let i = items.length - 1; i > 0; i--) {
      const j = Math.floor(this.next() * (i + 1))
      const a = items[i] as A
      items[i] = items[j] as A
      items[j] = a
    }
    return items
  }
}

export const prngOf = (...parts: ReadonlyArray<string | number>): Prng => new Prng(seedOf(...parts))
