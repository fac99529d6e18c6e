/**
 * Character scanning for the few text shapes a regular expression would read ambiguously (a
 * whitespace run next to an optional separator, a lazy prefix before a suffix): each helper makes
 * one pass, so text from LiveRC costs linear time whatever it holds. `isSpace` is exactly what
 * `\s` matches, `isLineTerminator` what `.` does not, so the helpers agree with the patterns
 * they replace (test/liverc/TextScan.test.ts compares them on random input).
 */

/** What `\s` matches in a JavaScript regular expression. */
export const isSpace = (code: number): boolean =>
  (code >= 9 && code <= 13) || code === 32 || code === 0xa0 || code === 0x1680 ||
  (code >= 0x2000 && code <= 0x200a) || code === 0x2028 || code === 0x2029 || code === 0x202f ||
  code === 0x205f || code === 0x3000 || code === 0xfeff

/** What `.` does not match (without the `s` flag). */
export const isLineTerminator = (code: number): boolean =>
  code === 10 || code === 13 || code === 0x2028 || code === 0x2029

export const hasLineTerminator = (text: string, from = 0, to = text.length): boolean => {
  for (let at = from; at < to; at++) if (isLineTerminator(text.charCodeAt(at))) return true
  return false
}

/** The first index at or after `from` that is not `\s`. */
export const skipSpace = (text: string, from: number): number => {
  let at = from
  while (at < text.length && isSpace(text.charCodeAt(at))) at++
  return at
}

/** The index where the `\s` run ending just before `end` starts (`end` when there is none). */
export const spaceRunStart = (text: string, end: number): number => {
  let at = end
  while (at > 0 && isSpace(text.charCodeAt(at - 1))) at--
  return at
}

const isAsciiDigit = (code: number) => code >= 48 && code <= 57

/** The index after the run of ASCII digits starting at `from`. */
export const digitsEnd = (text: string, from: number): number => {
  let at = from
  while (at < text.length && isAsciiDigit(text.charCodeAt(at))) at++
  return at
}

/** The index where the run of ASCII digits ending just before `end` starts. */
export const digitsStart = (text: string, end: number): number => {
  let at = end
  while (at > 0 && isAsciiDigit(text.charCodeAt(at - 1))) at--
  return at
}

/** ASCII letters compared without case, as the `i` flag compares them; `word` is lower-case ASCII. */
export const matchesAsciiAt = (text: string, at: number, word: string): boolean => {
  if (at < 0 || at + word.length > text.length) return false
  for (let i = 0; i < word.length; i++) {
    const code = text.charCodeAt(at + i)
    const lower = code >= 65 && code <= 90 ? code + 32 : code
    if (lower !== word.charCodeAt(i)) return false
  }
  return true
}

/** Where `word` (lower-case ASCII) first occurs at or after `from`, any ASCII case; -1 if nowhere. */
export const indexOfAscii = (text: string, word: string, from = 0): number => {
  for (let at = from; at + word.length <= text.length; at++) if (matchesAsciiAt(text, at, word)) return at
  return -1
}
