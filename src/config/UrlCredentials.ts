/**
 * URLs from the environment (NATS_URL, DATABASE_URL) may carry `user:password@`. Whatever prints
 * or logs a URL shows it without them: `nats://***@host:4222`.
 */

/** `scheme://userinfo@` anywhere in a text. Linear: one character class, no nested quantifier. */
const USERINFO = /([a-z][a-z0-9+.-]{0,31}:\/\/)[^\s/@]{1,1024}@/gi

/** The text with the userinfo of every URL in it replaced by `***`. */
export const scrubUrlCredentials = (text: string): string => text.replace(USERINFO, "$1***@")

/** One URL, or a comma-separated list of them (a NATS cluster), without credentials. */
export const withoutCredentials = (urls: string): string => scrubUrlCredentials(urls)

/** The password of a URL, decoded, when it has one (for scrubbing it out of third-party messages). */
export const passwordOf = (url: string): string | undefined => {
  try {
    const password = decodeURIComponent(new URL(url).password)
    return password === "" ? undefined : password
  } catch {
    return undefined
  }
}
