/**
 * Pages no standings parser may accept, derived from a good one: each must come back as a
 * LiveRcParseError (never a throw, never a defect).
 */

/** mulberry32: the same sequence for the same seed, so a failing input can be rebuilt. */
const prng = (seed: number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

const ALPHABET = `<>/='"{}[]();:,.\\%&#!-_ 0123456789abcdefghijklmnopqrstuvwxyz\n\t\u00a0\ufffd`
const FRAGMENTS = ["<table>", "</table>", "<tr>", "<th>Driver</th>", "<td>", "</td>", "<thead>", "<span class=\"class_header\">", "1st (1pts) : 16/10:01.133", "<div class=\"hidden\">", "<sup>"]

/** Random text and tag fragments, closed with `</html>` so it gets past the completeness check. */
export const garbagePage = (seed: number): string => {
  const random = prng(seed)
  let text = "<html><body>"
  const parts = 50 + Math.floor(random() * 400)
  for (let i = 0; i < parts; i++) {
    if (random() < 0.3) text += FRAGMENTS[Math.floor(random() * FRAGMENTS.length)]
    else text += ALPHABET[Math.floor(random() * ALPHABET.length)]
  }
  return `${text}</body></html>`
}

/** The page with every table taken out (the shell, title and panels stay). */
export const withoutTables = (html: string): string => {
  let out = ""
  let at = 0
  for (;;) {
    const open = html.indexOf("<table", at)
    if (open === -1) return out + html.slice(at)
    out += html.slice(at, open)
    const close = html.indexOf("</table>", open)
    if (close === -1) return out
    at = close + "</table>".length
  }
}

/** The named broken variants of a page that parses. */
export const brokenPages = (good: string): ReadonlyArray<readonly [string, string]> => [
  ["an empty string", ""],
  ["only whitespace", "  \n\t "],
  ["a bare </html>", "</html>"],
  ["the page without its tables", withoutTables(good)],
  ["the page cut in half (no </html>)", good.slice(0, Math.floor(good.length / 2))],
  ["the page without its last 10 characters", good.slice(0, good.length - 10)],
  ["NUL bytes", "\u0000".repeat(500) + "</html>"],
  ...Array.from({ length: 10 }, (_, seed) => [`random garbage (seed ${seed})`, garbagePage(seed)] as const)
]
