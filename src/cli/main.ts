import { NodeRuntime, NodeServices } from "@effect/platform-node"
import { Effect } from "effect"
import { Command } from "effect/cli"
import { LoggingLive } from "../observability/Logging.ts"
import { withUsageExitCode } from "../terminal/ExitCodes.ts"
import { cancelCommand } from "./CancelCommand.ts"
import { demoCommand } from "./DemoCommand.ts"
import { discoverCommand } from "./DiscoverCommand.ts"
import { dlqCommand } from "./DlqCommand.ts"
import { gatewayCommand } from "./GatewayCommand.ts"
import { ingestCommand } from "./IngestCommand.ts"
import { jobsCommand } from "./JobsCommand.ts"
import { pauseCommand, resumeCommand } from "./KillSwitchCommand.ts"
import { parseCommand } from "./ParseCommand.ts"
import { showCommand } from "./ShowCommand.ts"
import { simCommand } from "./SimCommand.ts"
import { startCommand } from "./StartCommand.ts"
import { statusCommand } from "./StatusCommand.ts"
import { syncCommand } from "./SyncCommand.ts"
import { workerCommand } from "./WorkerCommand.ts"

Command.make("liverc-ingest").pipe(
  Command.withDescription("Ingest LiveRC results into Postgres"),
  Command.withSubcommands([
    parseCommand,
    showCommand,
    // Long-running commands log JSON lines at LOG_LEVEL; operator commands keep Effect's default.
    simCommand.pipe(Command.provide(LoggingLive)),
    workerCommand.pipe(Command.provide(LoggingLive)),
    gatewayCommand.pipe(Command.provide(LoggingLive)),
    startCommand.pipe(Command.provide(LoggingLive)),
    demoCommand,
    ingestCommand,
    syncCommand,
    discoverCommand,
    statusCommand,
    jobsCommand,
    cancelCommand,
    dlqCommand,
    pauseCommand,
    resumeCommand
  ]),
  Command.run({ version: "0.1.0" }),
  withUsageExitCode,
  Effect.provide(NodeServices.layer),
  NodeRuntime.runMain
)
