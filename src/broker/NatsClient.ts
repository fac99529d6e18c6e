import { jetstream, type JetStreamClient, type JetStreamManager, jetstreamManager } from "@nats-io/jetstream"
import { Kvm } from "@nats-io/kv"
import {
  connect,
  credsAuthenticator,
  type NatsConnection,
  type NodeConnectionOptions
} from "@nats-io/transport-node"
import { Config, Context, Effect, Layer, Option, Redacted, Schema } from "effect"
import { scrubUrlCredentials, withoutCredentials } from "../config/UrlCredentials.ts"
import { type JetStreamRequests, makeJetStreamRequests } from "./JetStreamRequests.ts"
import { isCurrentServer, NatsServerTooOld } from "./ServerVersion.ts"
import { readFileSync } from "node:fs"
import { hostname } from "node:os"

/**
 * One NATS connection per process, shared by every actor, the gateway and the throttle. It
 * reconnects forever: a broker restart pauses work instead of killing the process.
 */

export class NatsUnavailable extends Schema.TaggedError<NatsUnavailable>()("NatsUnavailable", {
  reason: Schema.String
}) {
  override get message() {
    return `NATS is unavailable: ${this.reason}`
  }
}

const SERVER_URL = /^(nats|tls|ws|wss):\/\/[^\s,]{1,512}$/

// The message never quotes the value: NATS_URL may carry a password.
const ServerList = Schema.String.pipe(
  Schema.check(Schema.makeFilter((text: string) =>
    text.split(",").map((url) => url.trim()).every((url) => SERVER_URL.test(url)) ||
    "a nats://host:port URL (tls://, ws:// and wss:// too), or several separated by commas"
  ))
)

/** Shown in the server's connz and logs: printable, one line, bounded. */
const ClientName = Schema.String.pipe(
  Schema.check(Schema.isPattern(/^[\x21-\x7e][\x20-\x7e]{0,127}$/, { message: "1-128 printable ASCII characters" }))
)

/** One Config per environment variable, so a start-up check can report every bad value. */
export const natsConfigFields = {
  servers: Config.schema(ServerList, "NATS_URL").pipe(Config.withDefault("nats://127.0.0.1:4222")),
  name: Config.schema(ClientName, "NATS_CLIENT_NAME").pipe(Config.option),
  token: Config.Redacted("NATS_TOKEN").pipe(Config.option),
  user: Config.schema(ClientName, "NATS_USER").pipe(Config.option),
  password: Config.Redacted("NATS_PASSWORD").pipe(Config.option),
  credsFile: Config.String("NATS_CREDS").pipe(Config.option)
}

export const NatsConfig = Config.all(natsConfigFields)
export type NatsConfig = Config.Success<typeof NatsConfig>

export interface NatsClientShape {
  readonly nc: NatsConnection
  readonly js: JetStreamClient
  readonly jsm: JetStreamManager
  readonly kvm: Kvm
  /** The lean path for the calls every job makes (see JetStreamRequests.ts). */
  readonly requests: JetStreamRequests
}

const connectionOptions = (config: NatsConfig, role: string): NodeConnectionOptions => {
  const options: NodeConnectionOptions = {
    // NATS_URL may list several servers (a cluster), comma separated.
    servers: config.servers.split(",").map((s) => s.trim()).filter((s) => s.length > 0),
    name: Option.getOrElse(config.name, () => `liverc-ingest-${role}-${hostname()}-${process.pid}`),
    maxReconnectAttempts: -1,
    reconnectTimeWait: 1000,
    waitOnFirstConnect: true,
    noAsyncTraces: true
  }
  if (Option.isSome(config.token)) options.token = Redacted.value(config.token.value)
  if (Option.isSome(config.user)) options.user = config.user.value
  if (Option.isSome(config.password)) options.pass = Redacted.value(config.password.value)
  if (Option.isSome(config.credsFile)) {
    options.authenticator = credsAuthenticator(readFileSync(config.credsFile.value))
  }
  return options
}

export class NatsClient extends Context.Service<NatsClient, NatsClientShape>()("liverc-ingest/broker/NatsClient") {
  /** Connects with `config`; the connection is drained when the layer's scope closes. */
  static readonly make = (config: NatsConfig, role: string) =>
    Effect.acquireRelease(
      Effect.tryPromise({
        try: () => connect(connectionOptions(config, role)),
        // The error text of the client never contains credentials; the options object does.
        catch: (error) =>
          new NatsUnavailable({ reason: scrubUrlCredentials(error instanceof Error ? error.message : String(error)) })
      }),
      (nc) => Effect.promise(() => nc.drain().catch(() => nc.close()))
    ).pipe(
      Effect.tap((nc) => {
        // Every process refuses an old server at once rather than run with weaker guarantees.
        const version = nc.info?.version ?? "unknown"
        return isCurrentServer(version)
          ? Effect.void
          : Effect.fail(new NatsServerTooOld({ found: version, where: withoutCredentials(nc.getServer()) }))
      }),
      Effect.flatMap((nc) =>
        Effect.tryPromise({
          try: () => jetstreamManager(nc, { checkAPI: false }),
          catch: (error) => new NatsUnavailable({ reason: error instanceof Error ? error.message : String(error) })
        }).pipe(Effect.map((jsm) => {
          const js = jetstream(nc)
          return NatsClient.of({ nc, js, jsm, kvm: new Kvm(js), requests: makeJetStreamRequests(nc) })
        }))
      ),
      Effect.tap((client) => Effect.addFinalizer(() => Effect.sync(() => client.requests.close())))
    )

  static readonly layer = (role: string) =>
    Layer.effect(
      NatsClient,
      Effect.gen(function*() {
        const config = yield* NatsConfig
        return yield* NatsClient.make(config, role)
      })
    )
}
