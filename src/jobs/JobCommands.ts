import { Config, Context, Effect, Layer, Result, Schema, SchemaIssue } from "effect"
import { randomBytes } from "node:crypto"
import { boundedIntConfig } from "../config/IntConfig.ts"
import type { IngestDepth } from "../liverc/LiveRcIds.ts"
import { Command, type JobId } from "./Commands.ts"

/**
 * The one place a job command is made: its header (`v`, a fresh job id, `requested_at`), its
 * defaults, and the rules that span fields. The gateway, the CLI, the demo and a dead-letter
 * replay make their commands here; a worker checks every command it receives, whoever published
 * it, with the same schema and the same rules (`checkCommand`).
 */

/** An event ingest without a depth fetches everything, laps included. */
export const DEFAULT_INGEST_DEPTH: IngestDepth = "laps_full"

/**
 * A fresh job id: `job-` and 16 URL-safe random characters (96 bits), inside the JobId pattern.
 * It doubles as the command's Nats-Msg-Id, so it must never repeat within the duplicate window;
 * it is made server-side only, so no client can pick (or guess) another's.
 */
export const newJobId = (): JobId => `job-${randomBytes(12).toString("base64url")}` as JobId

export interface CommandRules {
  /** Longest date range one `discover_practice` command may cover (PRACTICE_DISCOVERY_MAX_DAYS). */
  readonly maxPracticeDays: number
}

export const defaultCommandRules: CommandRules = { maxPracticeDays: 366 }

export const commandRulesConfigFields = {
  maxPracticeDays: boundedIntConfig("PRACTICE_DISCOVERY_MAX_DAYS", 1, 3660, defaultCommandRules.maxPracticeDays)
}

export const CommandRulesConfig: Config.Config<CommandRules> = Config.all(commandRulesConfigFields)

/**
 * A command that is not one, or breaks a rule. `code` is what a worker records on the job:
 * INVALID_COMMAND (the schema refused it), INVALID_RANGE or RANGE_TOO_LONG. `field` names what
 * the caller sent, as it spelled it, when one field is to blame.
 */
export class InvalidCommand extends Schema.TaggedError<InvalidCommand>()("InvalidCommand", {
  code: Schema.String,
  field: Schema.NullOr(Schema.String),
  reason: Schema.String
}) {
  override get message() {
    return this.field === null ? this.reason : `invalid ${this.field}: ${this.reason}`
  }
}

/** What a caller asks for: a command without its header, defaults optional, values not yet checked. */
export type CommandRequest =
  | {
    readonly kind: "ingest_event"
    readonly event_id: string
    readonly track_slug?: string | undefined
    readonly depth?: string | undefined
    readonly force?: boolean | undefined
  }
  | { readonly kind: "sync_tracks" }
  | { readonly kind: "sync_events"; readonly track_slug: string }
  | {
    readonly kind: "discover_practice"
    readonly track_slug: string
    readonly from: string
    readonly to: string
    readonly depth?: string | undefined
  }
  | { readonly kind: "sync_followed_events" }
  | {
    readonly kind: "ingest_recent"
    readonly window_days?: number | undefined
    readonly min_age_hours?: number | undefined
    readonly depth?: string | undefined
    readonly max_events?: number | undefined
    readonly max_per_track?: number | undefined
    readonly force?: boolean | undefined
  }

/**
 * The seed's recent-events defaults: the last 7 days, events at least 12 hours old, everything
 * fetched, at most 50 events and 5 per track per run.
 */
export const DEFAULT_RECENT_INGEST = {
  window_days: 7,
  min_age_hours: 12,
  depth: "laps_full",
  max_events: 50,
  max_per_track: 5
} as const

const DAY_MILLIS = 86_400_000

/** Days from `from` to `to`, both included (0 or less when `to` is before `from`). */
export const rangeDays = (from: string, to: string): number =>
  Math.round((Date.parse(`${to}T00:00:00Z`) - Date.parse(`${from}T00:00:00Z`)) / DAY_MILLIS) + 1

/** The rules no schema of one field can say. */
export const checkCommand = (command: Command, rules: CommandRules): Result.Result<Command, InvalidCommand> => {
  if (command.kind === "discover_practice") {
    if (command.to < command.from) {
      return Result.fail(
        new InvalidCommand({ code: "INVALID_RANGE", field: "to", reason: `${command.to} is before from (${command.from})` })
      )
    }
    const days = rangeDays(command.from, command.to)
    if (days > rules.maxPracticeDays) {
      return Result.fail(
        new InvalidCommand({
          code: "RANGE_TOO_LONG",
          field: "to",
          reason: `the range spans ${days} days; at most ${rules.maxPracticeDays} (PRACTICE_DISCOVERY_MAX_DAYS)`
        })
      )
    }
  }
  return Result.succeed(command)
}

const decodeCommand = Schema.decodeUnknownResult(Command)
const formatIssues = SchemaIssue.makeFormatterStandardSchemaV1()

/** The first field the schema refused, and why, in words a user can act on. */
const describeDecodeError = (error: Schema.SchemaError): InvalidCommand => {
  const first = formatIssues(error.issue).issues[0]
  const path = (first?.path ?? []).map((segment) =>
    String(typeof segment === "object" && segment !== null && "key" in segment ? segment.key : segment)
  )
  return new InvalidCommand({
    code: "INVALID_COMMAND",
    field: path.length === 0 ? null : path.join("."),
    reason: first?.message ?? error.message
  })
}

const withDefaults = (request: CommandRequest): Record<string, unknown> => {
  const fields: Record<string, unknown> = {}
  for (const [key, value] of Object.entries(request)) if (value !== undefined) fields[key] = value
  if (request.kind === "ingest_event" && request.depth === undefined) fields["depth"] = DEFAULT_INGEST_DEPTH
  if (request.kind === "ingest_recent") return { ...DEFAULT_RECENT_INGEST, ...fields }
  return fields
}

/**
 * A whole command for `request`, checked: a new job id (or `jobId`, for a caller that must make
 * the same command twice, such as a schedule firing redelivered), `requested_at` = `now`,
 * defaults filled in.
 */
export const makeCommand = (
  request: CommandRequest,
  rules: CommandRules,
  now: Date = new Date(),
  jobId: JobId = newJobId()
): Result.Result<Command, InvalidCommand> => {
  const decoded = decodeCommand({ v: 1, job_id: jobId, requested_at: now.toISOString(), ...withDefaults(request) })
  return Result.isFailure(decoded)
    ? Result.fail(describeDecodeError(decoded.failure))
    : checkCommand(decoded.success, rules)
}

/** The request a command was made from: for remaking it under a new job id (a dead-letter replay). */
export const requestOf = (command: Command): CommandRequest => {
  const { v: _v, job_id: _id, requested_at: _at, ...request } = command as Command & { readonly requested_at?: string }
  return request as CommandRequest
}

/** The rules as configured for this process, for the services that make or check commands. */
export class JobCommands extends Context.Service<JobCommands, {
  readonly rules: CommandRules
  readonly make: (request: CommandRequest, jobId?: JobId) => Effect.Effect<Command, InvalidCommand>
  readonly check: (command: Command) => Effect.Effect<Command, InvalidCommand>
}>()("liverc-ingest/jobs/JobCommands") {
  static readonly fromRules = (rules: CommandRules): JobCommands["Service"] =>
    JobCommands.of({
      rules,
      make: (request, jobId) => Effect.suspend(() => Effect.fromResult(makeCommand(request, rules, new Date(), jobId))),
      check: (command) => Effect.fromResult(checkCommand(command, rules))
    })

  static readonly layer = Layer.effect(
    JobCommands,
    Effect.gen(function*() {
      return JobCommands.fromRules(yield* CommandRulesConfig)
    })
  )

  static readonly layerFrom = (rules: CommandRules) => Layer.succeed(JobCommands, JobCommands.fromRules(rules))
}
