/**
 * Race pages carry every driver's laps in a script: `racerLaps[346997] = { 'driverName' : 'FELIX
 * KOEGLER', ..., 'laps' : [ { 'lapNum' : '1', 'pos' : '1', 'time' : '38.17', ... }, ] };`. It is a
 * JavaScript object literal, not JSON (single quotes with `\'` escapes, unquoted keys in older pages,
 * trailing commas), so it gets a small literal reader of its own instead of a JSON rewrite; the
 * reader consumes exactly one value, which is the brace matching, and braces inside strings are
 * just string content.
 */

export type JsValue = string | number | boolean | null | ReadonlyArray<JsValue> | JsObject
export interface JsObject {
  readonly [key: string]: JsValue
}

export type JsLiteral =
  | { readonly ok: true; readonly value: JsValue; readonly end: number }
  | { readonly ok: false; readonly reason: string; readonly at: number }

/** Deeper than any page LiveRC writes; stops hostile input from exhausting the stack. */
const MAX_DEPTH = 32

class LiteralError {
  readonly reason: string
  readonly at: number
  constructor(reason: string, at: number) {
    this.reason = reason
    this.at = at
  }
}

const isIdentStart = (c: number) =>
  (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || c === 95 /* _ */ || c === 36 /* $ */
const isIdentPart = (c: number) => isIdentStart(c) || (c >= 48 && c <= 57)
/** `\d+(?:\.\d*)?` rather than `\d+\.?\d*`: the same numbers, without two ways to split a digit run. */
const NUMBER = /-?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/y
const SPACE = /[ \t\n\r\v\f\u00a0\ufeff]*/y
/** The run of a string's characters up to its quote, a backslash or a line break. */
const PLAIN_SINGLE = /[^'\\\n\r]*/y
const PLAIN_DOUBLE = /[^"\\\n\r]*/y
const HEX4 = /^[0-9a-fA-F]{4}$/
const HEX2 = /^[0-9a-fA-F]{2}$/

/** Reads one JavaScript literal value starting at `start` (leading whitespace allowed). */
export const parseJsLiteral = (source: string, start = 0): JsLiteral => {
  let pos = start
  const fail = (reason: string): never => {
    throw new LiteralError(reason, pos)
  }

  const skipSpace = () => {
    while (pos < source.length) {
      const first = source.charCodeAt(pos)
      if (first > 32 && first !== 47 /* / */ && first !== 0xa0 && first !== 0xfeff) return
      // Pages indent these blocks with long runs of tabs: the regex engine skips them fastest.
      SPACE.lastIndex = pos
      SPACE.test(source)
      pos = SPACE.lastIndex
      if (source.charCodeAt(pos) !== 47 /* / */) return
      const next = source.charCodeAt(pos + 1)
      if (next === 47) {
        const end = source.indexOf("\n", pos)
        pos = end === -1 ? source.length : end + 1
      } else if (next === 42 /* * */) {
        const end = source.indexOf("*/", pos + 2)
        if (end === -1) fail("unterminated comment")
        pos = end + 2
      } else {
        return
      }
    }
  }

  const readString = (): string => {
    const quote = source.charCodeAt(pos)
    const plain = quote === 39 ? PLAIN_SINGLE : PLAIN_DOUBLE
    pos++
    let out = ""
    while (true) {
      const chunkStart = pos
      plain.lastIndex = pos
      plain.test(source)
      pos = plain.lastIndex
      out += source.slice(chunkStart, pos)
      if (pos >= source.length) fail("unterminated string")
      const c = source.charCodeAt(pos)
      if (c === quote) {
        pos++
        return out
      }
      if (c !== 92 /* \ */) fail("line break inside a string")
      const e = source[pos + 1]
      pos += 2
      switch (e) {
        case undefined:
          return fail("unterminated string")
        case "n":
          out += "\n"
          break
        case "t":
          out += "\t"
          break
        case "r":
          out += "\r"
          break
        case "b":
          out += "\b"
          break
        case "f":
          out += "\f"
          break
        case "v":
          out += "\v"
          break
        case "0":
          out += "\0"
          break
        case "u": {
          const hex = source.slice(pos, pos + 4)
          if (!HEX4.test(hex)) fail("bad \\u escape")
          out += String.fromCharCode(parseInt(hex, 16))
          pos += 4
          break
        }
        case "x": {
          const hex = source.slice(pos, pos + 2)
          if (!HEX2.test(hex)) fail("bad \\x escape")
          out += String.fromCharCode(parseInt(hex, 16))
          pos += 2
          break
        }
        case "\r":
          if (source[pos] === "\n") pos++
          break
        case "\n":
          break
        default:
          // `\'`, `\"`, `\\`, `\/` and any other escaped character stand for themselves.
          out += e
      }
    }
  }

  const readIdentifier = (): string => {
    const from = pos
    while (pos < source.length && isIdentPart(source.charCodeAt(pos))) pos++
    return source.slice(from, pos)
  }

  const readKey = (): string => {
    const c = source.charCodeAt(pos)
    if (c === 39 || c === 34) return readString()
    if (isIdentStart(c)) return readIdentifier()
    NUMBER.lastIndex = pos
    const number = NUMBER.exec(source)
    if (number !== null) {
      pos += number[0].length
      return String(Number(number[0]))
    }
    return fail("expected a property name")
  }

  const readValue = (depth: number): JsValue => {
    if (depth > MAX_DEPTH) fail("nested too deeply")
    skipSpace()
    if (pos >= source.length) fail("unexpected end of script")
    const c = source.charCodeAt(pos)
    if (c === 123 /* { */) {
      pos++
      // A plain literal keeps V8's fast object shapes; `__proto__` is the one key it must not take.
      const object: Record<string, JsValue> = {}
      while (true) {
        skipSpace()
        if (source.charCodeAt(pos) === 125 /* } */) {
          pos++
          return object
        }
        if (pos >= source.length) fail("unterminated object")
        const key = readKey()
        skipSpace()
        if (source.charCodeAt(pos) !== 58 /* : */) fail("expected ':'")
        pos++
        const value = readValue(depth + 1)
        if (key !== "__proto__") object[key] = value
        skipSpace()
        const next = source.charCodeAt(pos)
        if (next === 44 /* , */) pos++
        else if (next !== 125) fail("expected ',' or '}'")
      }
    }
    if (c === 91 /* [ */) {
      pos++
      const array: Array<JsValue> = []
      while (true) {
        skipSpace()
        if (source.charCodeAt(pos) === 93 /* ] */) {
          pos++
          return array
        }
        if (pos >= source.length) fail("unterminated array")
        array.push(readValue(depth + 1))
        skipSpace()
        const next = source.charCodeAt(pos)
        if (next === 44) pos++
        else if (next !== 93) fail("expected ',' or ']'")
      }
    }
    if (c === 39 || c === 34) return readString()
    if (isIdentStart(c)) {
      const word = readIdentifier()
      if (word === "true") return true
      if (word === "false") return false
      if (word === "null" || word === "undefined") return null
      return fail(`unexpected identifier ${word.slice(0, 20)}`)
    }
    NUMBER.lastIndex = pos
    const number = NUMBER.exec(source)
    if (number !== null) {
      pos += number[0].length
      return Number(number[0])
    }
    return fail("unexpected character")
  }

  try {
    const value = readValue(0)
    return { ok: true, value, end: pos }
  } catch (error) {
    if (error instanceof LiteralError) return { ok: false, reason: error.reason, at: error.at }
    throw error
  }
}

export interface RacerLap {
  readonly lapNum: string
  readonly pos: string
  readonly time: string
}

export interface RacerLaps {
  readonly driverId: string
  readonly driverName: string | null
  readonly fastLap: string | null
  readonly avgLap: string | null
  readonly consistency: string | null
  readonly laps: ReadonlyArray<RacerLap>
}

export type RacerLapsRead =
  | { readonly ok: true; readonly drivers: ReadonlyMap<string, RacerLaps> }
  | { readonly ok: false; readonly reason: string }

const isObject = (value: JsValue | undefined): value is JsObject =>
  typeof value === "object" && value !== null && !Array.isArray(value)

/** Older pages wrote some values as numbers; every field is read as its text. */
const field = (object: JsObject, key: string): string | null => {
  const value = object[key]
  if (typeof value === "string") return value
  if (typeof value === "number") return String(value)
  return null
}

const ASSIGNMENT = /racerLaps\s*\[\s*(['"]?)(\d{1,12})\1\s*\]\s*=(?!=)/g

/**
 * Every `racerLaps[ID] = {...}` block in one pass over the script text. A block that is present
 * but cannot be read fails the whole read: dropping it would silently lose a driver's laps.
 */
export const readRacerLaps = (script: string): RacerLapsRead => {
  const drivers = new Map<string, RacerLaps>()
  ASSIGNMENT.lastIndex = 0
  let match: RegExpExecArray | null
  while ((match = ASSIGNMENT.exec(script)) !== null) {
    const driverId = match[2]!
    const literal = parseJsLiteral(script, ASSIGNMENT.lastIndex)
    if (!literal.ok) return { ok: false, reason: `racerLaps[${driverId}]: ${literal.reason}` }
    ASSIGNMENT.lastIndex = literal.end
    const block = literal.value
    if (!isObject(block)) return { ok: false, reason: `racerLaps[${driverId}] is not an object` }
    const rawLaps = block["laps"] ?? []
    if (!Array.isArray(rawLaps)) return { ok: false, reason: `racerLaps[${driverId}].laps is not a list` }
    const laps: Array<RacerLap> = []
    for (const lap of rawLaps as ReadonlyArray<JsValue>) {
      if (!isObject(lap)) return { ok: false, reason: `racerLaps[${driverId}] has a lap that is not an object` }
      const lapNum = field(lap, "lapNum")
      const time = field(lap, "time")
      if (lapNum === null || time === null) {
        return { ok: false, reason: `racerLaps[${driverId}] has a lap without lapNum or time` }
      }
      laps.push({ lapNum, pos: field(lap, "pos") ?? "", time })
    }
    drivers.set(driverId, {
      driverId,
      driverName: field(block, "driverName"),
      fastLap: field(block, "fastLap"),
      avgLap: field(block, "avgLap"),
      consistency: field(block, "consistency"),
      laps
    })
  }
  return { ok: true, drivers }
}
