import { isIP } from "node:net"
import { hostname, networkInterfaces } from "node:os"

/**
 * Which Host headers the gateway answers (GATEWAY_ALLOWED_HOSTS). A web page can rebind its own
 * DNS name to 127.0.0.1 and then call the gateway as if it were its own origin, with no CORS in
 * the way; its requests still carry its name in Host, so a gateway that answers only its own names
 * closes that hole. Pure: the machine's names are passed in.
 */

/** The names a wildcard bind address (0.0.0.0, ::) is reached by, besides the loopback ones. */
export interface MachineNames {
  readonly hostname: string
  readonly addresses: ReadonlyArray<string>
}

export const currentMachine = (): MachineNames => ({
  hostname: hostname(),
  addresses: Object.values(networkInterfaces()).flatMap((list) => (list ?? []).map((info) => info.address))
})

export const LOOPBACK_HOSTS: ReadonlyArray<string> = ["localhost", "127.0.0.1", "::1"]

const WILDCARD_BIND = new Set(["0.0.0.0", "::"])

/**
 * A host name or IP as compared: lower case, IPv6 without brackets, no trailing dot (`localhost.`
 * is `localhost`).
 */
export const normalizeHostName = (name: string): string => {
  const lower = name.trim().toLowerCase()
  const bare = lower.startsWith("[") && lower.endsWith("]") ? lower.slice(1, -1) : lower
  return bare.length > 1 && bare.endsWith(".") ? bare.slice(0, -1) : bare
}

/**
 * The host of a Host header without its port (`example.com:8080` -> `example.com`,
 * `[::1]:8080` -> `::1`), normalized; undefined when there is none or it is not `host[:port]`
 * (a bare IPv6 address, a port that is not digits, anything after the port).
 */
export const hostOfHeader = (header: string | undefined): string | undefined => {
  const value = header?.trim() ?? ""
  if (value === "") return undefined
  if (value.startsWith("[")) {
    const close = value.indexOf("]")
    if (close === -1 || !/^(:\d*)?$/.test(value.slice(close + 1))) return undefined
    const address = value.slice(1, close)
    return address === "" ? undefined : normalizeHostName(address)
  }
  const colon = value.indexOf(":")
  const name = colon === -1 ? value : value.slice(0, colon)
  if (colon !== -1 && !/^\d*$/.test(value.slice(colon + 1))) return undefined
  return name === "" ? undefined : normalizeHostName(name)
}

/**
 * The default list: the bind address, the loopback names and, when the bind address is a
 * wildcard, the machine's host name and every address of its interfaces (a container probed by its
 * pod IP, a host reached by its name).
 */
export const defaultAllowedHosts = (bindHost: string, machine: MachineNames): ReadonlyArray<string> => {
  const bind = normalizeHostName(bindHost)
  const names = [bind, ...LOOPBACK_HOSTS]
  if (WILDCARD_BIND.has(bind)) names.push(machine.hostname, ...machine.addresses)
  return [...new Set(names.map(normalizeHostName).filter((name) => name !== ""))]
}

export interface HostAllowlist {
  /** True when any host is taken (`*`). */
  readonly any: boolean
  /** The names taken, normalized (empty when `any`). */
  readonly names: ReadonlySet<string>
  /** Whether a request with this Host header is answered. */
  readonly allows: (hostHeader: string | undefined) => boolean
}

/** `configured`: GATEWAY_ALLOWED_HOSTS when set (it replaces the default, `*` for any host). */
export const makeHostAllowlist = (
  configured: ReadonlyArray<string> | undefined,
  bindHost: string,
  machine: MachineNames = currentMachine()
): HostAllowlist => {
  const entries = configured ?? defaultAllowedHosts(bindHost, machine)
  if (entries.includes("*")) return { any: true, names: new Set(), allows: () => true }
  const names = new Set(entries.map(normalizeHostName))
  return {
    any: false,
    names,
    allows: (header) => {
      const host = hostOfHeader(header)
      return host !== undefined && names.has(host)
    }
  }
}

/**
 * Why an entry of GATEWAY_ALLOWED_HOSTS is not a host name or IP address, undefined when it is
 * one (or `*`).
 */
export const allowedHostEntryProblem = (entry: string): string | undefined => {
  if (entry === "*") return undefined
  const bare = entry.startsWith("[") && entry.endsWith("]") ? entry.slice(1, -1) : entry
  if (isIP(bare) !== 0) return undefined
  if (/^[A-Za-z0-9_]([A-Za-z0-9_-]{0,62})(\.[A-Za-z0-9_]([A-Za-z0-9_-]{0,62}))*\.?$/.test(entry) && entry.length <= 253) {
    return undefined
  }
  // Phrased as what is expected: the start-up check prints it after the value given.
  return /:\d+$/.test(entry)
    ? `host names or IP addresses without a port (${JSON.stringify(entry.slice(0, 100))} has one)`
    : `host names or IP addresses, comma separated (${JSON.stringify(entry.slice(0, 100))} is neither)`
}
