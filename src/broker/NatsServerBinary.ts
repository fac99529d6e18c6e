import { spawnSync } from "node:child_process"
import { existsSync } from "node:fs"
import { join } from "node:path"
import { isCurrentServer, REQUIRED_SERVER_VERSION } from "./ServerVersion.ts"

/**
 * Which nats-server binary the project starts itself (tests, benchmarks, the demo): NATS_SERVER_BIN,
 * else `.tools/bin/nats-server` (where scripts/install-nats-server.sh puts one), else `nats-server`
 * on PATH. A binary older than REQUIRED_SERVER_VERSION is refused with both versions named.
 */

/** Where scripts/install-nats-server.sh installs the server, relative to the checkout. */
export const INSTALLED_SERVER = join(import.meta.dirname, "..", "..", ".tools", "bin", "nats-server")
const INSTALL_SCRIPT = join(import.meta.dirname, "..", "..", "scripts", "install-nats-server.sh")

export const INSTALL_HINT = "run `bash scripts/install-nats-server.sh` (Debian/Ubuntu; puts it in .tools/bin), install a " +
  `current release (https://github.com/nats-io/nats-server/releases) or your package manager's, and/or set ` +
  "NATS_SERVER_BIN to its path"

export type ServerBinary =
  | { readonly _tag: "Found"; readonly path: string; readonly version: string }
  | { readonly _tag: "Missing"; readonly reason: string }

/** What `nats-server --version` says (`2.15.1`), or undefined when it does not run. */
export const binaryVersion = (path: string): string | undefined => {
  const run = spawnSync(path, ["--version"], { encoding: "utf8", timeout: 10_000 })
  if (run.status !== 0) return undefined
  return /v?(\d+\.\d+\.\d+\S*)/.exec(`${run.stdout}${run.stderr}`)?.[1]
}

const onPath = (): string | undefined => {
  const which = spawnSync("which", ["nats-server"], { encoding: "utf8" })
  return which.status === 0 ? which.stdout.trim() : undefined
}

export const findServerBinary = (env: NodeJS.ProcessEnv = process.env): ServerBinary => {
  const configured = env["NATS_SERVER_BIN"]
  const [path, source] = configured !== undefined && configured !== ""
    ? [configured, "NATS_SERVER_BIN"]
    : existsSync(INSTALLED_SERVER)
    ? [INSTALLED_SERVER, ".tools/bin"]
    : [onPath(), "PATH"]
  if (path === undefined) {
    return { _tag: "Missing", reason: `no nats-server found (NATS_SERVER_BIN unset, none in .tools/bin or on PATH); ${INSTALL_HINT}` }
  }
  const version = binaryVersion(path)
  if (version === undefined) return { _tag: "Missing", reason: `${path} (from ${source}) does not run as nats-server; ${INSTALL_HINT}` }
  if (!isCurrentServer(version)) {
    return {
      _tag: "Missing",
      reason: `${path} (from ${source}) is nats-server ${version}; liverc-ingest needs >= ${REQUIRED_SERVER_VERSION}: ${INSTALL_HINT}`
    }
  }
  return { _tag: "Found", path, version }
}

const canRunInstallScript = () =>
  process.platform === "linux" && ["apt-get", "dpkg-deb"].every((tool) => spawnSync("which", [tool]).status === 0)

/**
 * A current binary: found, or else fetched into .tools/bin by scripts/install-nats-server.sh where
 * it can run (Debian or Ubuntu; no root needed) and NATS_SERVER_BIN does not name another.
 */
export const ensureServerBinary = (env: NodeJS.ProcessEnv = process.env): ServerBinary => {
  const found = findServerBinary(env)
  if (found._tag === "Found" || env["NATS_SERVER_BIN"] || !canRunInstallScript()) return found
  process.stderr.write("no current nats-server here: fetching one with scripts/install-nats-server.sh...\n")
  const run = spawnSync("bash", [INSTALL_SCRIPT], { stdio: ["ignore", "ignore", "inherit"] })
  return run.status === 0 ? findServerBinary(env) : found
}
