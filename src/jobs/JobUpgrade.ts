import type { IngestDepth } from "../liverc/LiveRcIds.ts"
import type { Command } from "./Commands.ts"

/**
 * A request that asks for more than the live job of its dedupe key will do (a deeper `depth`,
 * `force` on) must not be swallowed by dedupe: the gateway raises the live job's `params` in its
 * status (a CAS write), and the worker runs what the status asks for. These pure functions say
 * what "more" is; they only ever raise `depth` and `force`, never lower them or touch any other
 * field, so nothing in a status can make a job do other work than its command's.
 */

const DEPTH_RANK: Record<IngestDepth, number> = { summary: 0, laps_full: 1 }

const depthOf = (value: unknown): IngestDepth | undefined =>
  value === "summary" || value === "laps_full" ? value : undefined

/** What a kind's command can be raised in; kinds without depth or force are never upgraded. */
const raisable = (command: Command): { readonly depth: boolean; readonly force: boolean } => {
  switch (command.kind) {
    case "ingest_event":
    case "ingest_recent":
      return { depth: true, force: true }
    case "discover_practice":
      return { depth: true, force: false }
    case "sync_tracks":
    case "sync_events":
    case "sync_followed_events":
      return { depth: false, force: false }
  }
}

/** A command's depth as it runs: `discover_practice` without one fetches a summary. */
const commandDepth = (command: Command): IngestDepth =>
  "depth" in command && command.depth !== undefined ? command.depth : "summary"

const commandForce = (command: Command): boolean => "force" in command && command.force === true

/**
 * The live job's params raised to cover `requested` (same kind, same dedupe key), or undefined
 * when the live job already does all it asks.
 */
export const upgradedParams = (
  live: Readonly<Record<string, unknown>>,
  requested: Command
): Record<string, unknown> | undefined => {
  const can = raisable(requested)
  let next: Record<string, unknown> | undefined
  const liveDepth = depthOf(live["depth"]) ?? "summary"
  const wanted = commandDepth(requested)
  if (can.depth && DEPTH_RANK[wanted] > DEPTH_RANK[liveDepth]) next = { ...live, depth: wanted }
  if (can.force && commandForce(requested) && live["force"] !== true) next = { ...(next ?? live), force: true }
  return next
}

/**
 * The command a delivery runs: its own, raised to what its status's params ask for. The very
 * same object when they ask for nothing more, so `effectiveCommand(c, p) === c` reads "c covers p".
 */
export const effectiveCommand = <C extends Command>(command: C, params: Readonly<Record<string, unknown>>): C => {
  const can = raisable(command)
  let next: C = command
  const asked = depthOf(params["depth"])
  if (can.depth && asked !== undefined && DEPTH_RANK[asked] > DEPTH_RANK[commandDepth(command)]) {
    next = { ...next, depth: asked }
  }
  if (can.force && params["force"] === true && !commandForce(command)) next = { ...next, force: true }
  return next
}

/** Whether running `command` does everything `params` ask for. */
export const covers = (command: Command, params: Readonly<Record<string, unknown>>): boolean =>
  effectiveCommand(command, params) === command
