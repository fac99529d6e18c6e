import { Runtime, Schema } from "effect"
import { CliError } from "effect/cli"
import { ExitCode } from "../terminal/ExitCodes.ts"

/**
 * The oldest nats-server this project runs on. 2.12 brings what the design rests on: per-message
 * TTL (finished jobs expire, live ones never do), message schedules (the cron jobs live in
 * JetStream), linearizable compare-and-set on replicated streams (a replicated throttle bucket),
 * and a configurable `sync_interval`. Older servers silently drop the stream settings they do not
 * know, so every process refuses them at connect instead of running with quietly weaker guarantees.
 */
export const REQUIRED_SERVER_VERSION = "2.12.0"

export type Version = readonly [number, number, number]

/** `v2.15.1`, `2.12.0-RC.1` -> [2, 15, 1]; null for anything else. */
export const parseVersion = (text: string): Version | null => {
  const match = /^v?(\d{1,4})\.(\d{1,4})\.(\d{1,4})/.exec(text.trim())
  return match === null ? null : [Number(match[1]), Number(match[2]), Number(match[3])]
}

const compare = (a: Version, b: Version): number => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]

export const isCurrentServer = (version: string): boolean => {
  const have = parseVersion(version)
  return have !== null && compare(have, parseVersion(REQUIRED_SERVER_VERSION)!) >= 0
}

export class NatsServerTooOld extends Schema.TaggedError<NatsServerTooOld>()("NatsServerTooOld", {
  found: Schema.String,
  /** Where it answered (no credentials). */
  where: Schema.String
}) {
  override readonly [Runtime.errorExitCode] = ExitCode.unavailable
  override get [CliError.userMessage]() {
    return this.message
  }
  override get message() {
    return `nats-server ${this.found} at ${this.where} is older than ${REQUIRED_SERVER_VERSION}, which liverc-ingest ` +
      "requires; upgrade it (see the README: a current release, your package manager, or " +
      "scripts/install-nats-server.sh on Debian/Ubuntu)"
  }
}
