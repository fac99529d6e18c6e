/**
 * LiveRC writes times as `36.589`, `1:52.036` or `1:02:03.456`. They become integer milliseconds
 * from their digits alone: multiplying a parsed float (36.589 * 1000 = 36588.99...) drifts.
 */

const SECONDS = /^(\d{1,9})(?:\.(\d+))?$/
const MINUTES = /^(\d{1,7}):([0-5]?\d)(?:\.(\d+))?$/
const HOURS = /^(\d{1,5}):([0-5]\d):([0-5]\d)(?:\.(\d+))?$/

/** Milliseconds from a fraction's digits, rounding half up past the third digit. */
const fractionMs = (digits: string | undefined): number => {
  if (digits === undefined) return 0
  const padded = (digits + "000").slice(0, 3)
  const roundUp = digits.length > 3 && digits.charCodeAt(3) >= 53 /* "5" */
  return Number(padded) + (roundUp ? 1 : 0)
}

/**
 * `36.589` -> 36589, `1:52.036` -> 112036, `1:02:03.456` -> 3723456. Blank is `null` (LiveRC leaves
 * the cell empty for a non-starter); anything else that is not a time is `undefined`, so callers
 * can tell "no value" from "not a time".
 */
export const parseLapTime = (text: string): number | null | undefined => {
  const value = text.trim()
  if (value === "") return null
  let match = SECONDS.exec(value)
  if (match !== null) return Number(match[1]) * 1000 + fractionMs(match[2])
  match = MINUTES.exec(value)
  if (match !== null) return (Number(match[1]) * 60 + Number(match[2])) * 1000 + fractionMs(match[3])
  match = HOURS.exec(value)
  if (match !== null) {
    return ((Number(match[1]) * 60 + Number(match[2])) * 60 + Number(match[3])) * 1000 + fractionMs(match[4])
  }
  return undefined
}
