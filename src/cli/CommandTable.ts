import type { NodeServices } from "@effect/platform-node/NodeServices"
import type { Command } from "effect/cli"

/**
 * Every top-level command of `liverc-ingest`: its name, the one line the top-level help shows,
 * and how to load it. Nothing here imports a command or effect (the imports above are types,
 * erased when the file loads): `liverc-ingest --help` prints from this table alone, and a run
 * imports only the module of the command it runs (main.ts), so `status <id>` does not load the
 * gateway, the pipeline, the parsers or the simulator. A new command is one entry here.
 *
 * `description` is also the command's own `Command.withDescription` text; a unit test checks the
 * two agree, and that the help printed from here is effect/cli's own.
 */

/**
 * A top-level command as the runner takes it: everything it needs but Node's platform services is
 * provided. Its name and input are `any`: each command parses its own input, and the runner only
 * passes it on.
 */
export type TopLevelCommand = Command.Command<any, any, {}, unknown, NodeServices>

export interface CommandEntry {
  readonly name: string
  readonly description: string
  /** It logs JSON lines at LOG_LEVEL (LoggingLive); operator commands keep Effect's default. */
  readonly logs?: boolean
  /** A process that serves until stopped: it runs with a small young generation (ServiceHeap.ts). */
  readonly longRunning?: boolean
  readonly load: () => Promise<TopLevelCommand>
}

export const CLI_NAME = "liverc-ingest"
export const CLI_VERSION = "0.1.0"
export const CLI_DESCRIPTION = "Ingest LiveRC results into Postgres"

export const commandTable: ReadonlyArray<CommandEntry> = [
  {
    name: "parse",
    description: "Parse a saved LiveRC page and print it as JSON",
    load: async () => (await import("./ParseCommand.ts")).parseCommand
  },
  {
    name: "show",
    description: "Print what is stored for a race or an event as JSON",
    load: async () => (await import("./ShowCommand.ts")).showCommand
  },
  {
    name: "sim",
    description: "Serve the LiveRC simulator (real and synthetic pages, latency, limits, faults)",
    logs: true,
    longRunning: true,
    load: async () => (await import("./SimCommand.ts")).simCommand
  },
  {
    name: "worker",
    description:
      "Run WORKER_CONCURRENCY job actors on the INGEST queue (NATS_URL) until SIGTERM; in-flight jobs get SHUTDOWN_GRACE to finish",
    logs: true,
    longRunning: true,
    load: async () => (await import("./WorkerCommand.ts")).workerCommand
  },
  {
    name: "gateway",
    description:
      "Serve the HTTP API (GATEWAY_HOST:GATEWAY_PORT, OpenAPI at /docs) over the INGEST queue (NATS_URL) and Postgres (DATABASE_URL) until SIGTERM",
    logs: true,
    longRunning: true,
    load: async () => (await import("./GatewayCommand.ts")).gatewayCommand
  },
  {
    name: "start",
    description:
      "Run the gateway (GATEWAY_HOST:GATEWAY_PORT) and a worker in one process on one NATS connection (NATS_URL), " +
      "against LiveRC and Postgres (DATABASE_URL), until SIGTERM",
    logs: true,
    longRunning: true,
    load: async () => (await import("./StartCommand.ts")).startCommand
  },
  {
    name: "demo",
    description:
      "Run everything locally (NATS_URL or a local nats-server, DATABASE_URL or an embedded PostgreSQL, the LiveRC " +
      "simulator, a worker and the gateway), ingest sample event 486677 with a progress bar, print a summary, " +
      "and serve until Ctrl-C",
    longRunning: true,
    load: async () => (await import("./DemoCommand.ts")).demoCommand
  },
  {
    name: "ingest",
    description: "Queue ingestion jobs",
    load: async () => (await import("./IngestCommand.ts")).ingestCommand
  },
  {
    name: "sync",
    description: "Queue catalogue and event-list syncs",
    load: async () => (await import("./SyncCommand.ts")).syncCommand
  },
  {
    name: "discover",
    description: "Queue discovery jobs",
    load: async () => (await import("./DiscoverCommand.ts")).discoverCommand
  },
  {
    name: "status",
    description: "Print a job's status document as JSON",
    load: async () => (await import("./StatusCommand.ts")).statusCommand
  },
  {
    name: "jobs",
    description: "List queued and running jobs, and recently finished ones",
    load: async () => (await import("./JobsCommand.ts")).jobsCommand
  },
  {
    name: "cancel",
    description: "Cancel a queued or running job",
    load: async () => (await import("./CancelCommand.ts")).cancelCommand
  },
  {
    name: "dlq",
    description: "Inspect and replay dead letters (INGEST_DLQ)",
    load: async () => (await import("./DlqCommand.ts")).dlqCommand
  },
  {
    name: "pause",
    description: "Engage the kill switch: every process stops starting LiveRC requests within a second",
    load: async () => (await import("./KillSwitchCommand.ts")).pauseCommand
  },
  {
    name: "resume",
    description: "Clear the kill switch: LiveRC requests resume",
    load: async () => (await import("./KillSwitchCommand.ts")).resumeCommand
  },
  {
    name: "schedule",
    description: "List, add and delete schedules (NATS message schedules in SCHEDULES)",
    load: async () => (await import("./ScheduleCommand.ts")).scheduleCommand
  },
  {
    name: "follow",
    description: "Follow a track: its events are synced and its recent events ingested on the default schedules",
    load: async () => (await import("./FollowCommand.ts")).followCommand
  },
  {
    name: "unfollow",
    description: "Stop following a track",
    load: async () => (await import("./FollowCommand.ts")).unfollowCommand
  },
  {
    name: "following",
    description: "List the followed tracks",
    load: async () => (await import("./FollowCommand.ts")).followingCommand
  }
]

/** How a command line is served: from the table alone, or by effect/cli with the commands it may name. */
export type Route =
  | { readonly _tag: "Help" }
  | { readonly _tag: "Version" }
  | { readonly _tag: "Run"; readonly commands: ReadonlyArray<CommandEntry> }

/**
 * `liverc-ingest`, `--help`/`-h` and `--version`/`-v` alone are answered from the table. A line
 * starting with a command's name loads that command only; anything else (a global flag first, a
 * misspelt command) gets every command, so effect/cli answers it exactly as it always has
 * (suggestions, completions, the wizard).
 */
export const routeOf = (args: ReadonlyArray<string>): Route => {
  if (args.length === 0) return { _tag: "Help" }
  if (args.length === 1 && (args[0] === "--help" || args[0] === "-h")) return { _tag: "Help" }
  if (args.length === 1 && (args[0] === "--version" || args[0] === "-v")) return { _tag: "Version" }
  const named = commandTable.find((entry) => entry.name === args[0])
  return { _tag: "Run", commands: named === undefined ? commandTable : [named] }
}
