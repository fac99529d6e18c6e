import { ensureServerBinary } from "../../src/broker/NatsServerBinary.ts"

/**
 * Vitest global setup: the suites start private nats-servers of a current release (>= 2.12). When
 * none is found (NATS_SERVER_BIN, .tools/bin, PATH) one is fetched into .tools/bin where that can
 * run (scripts/install-nats-server.sh, Debian/Ubuntu), so `npm test` needs no manual step; else the
 * run stops here with what to install.
 */
export default function setup(): void {
  const binary = ensureServerBinary()
  if (binary._tag === "Missing") throw new Error(binary.reason)
  process.env["NATS_SERVER_BIN"] ??= binary.path
}
