import type { ConsumerConfig, StreamConfig } from "@nats-io/jetstream"
import { Config, Schema } from "effect"

/**
 * The shape in which this project declares what it keeps in JetStream: the stream and consumer
 * settings it sets (everything else is the server's default), and the one setting every stream
 * and bucket shares, their replica count.
 */

export type StreamSpec = Pick<
  StreamConfig,
  | "name"
  | "description"
  | "subjects"
  | "retention"
  | "storage"
  | "num_replicas"
  | "max_consumers"
  | "max_msgs"
  | "max_bytes"
  | "max_age"
  | "max_msgs_per_subject"
  | "max_msg_size"
  | "discard"
  | "discard_new_per_subject"
  | "duplicate_window"
  | "allow_direct"
  | "allow_rollup_hdrs"
  | "deny_delete"
  | "deny_purge"
  | "allow_msg_ttl"
  | "allow_msg_schedules"
  | "metadata"
>

export type ConsumerSpec = Required<
  Pick<
    ConsumerConfig,
    | "durable_name"
    | "description"
    | "ack_policy"
    | "deliver_policy"
    | "replay_policy"
    | "ack_wait"
    | "max_deliver"
    | "max_ack_pending"
    | "max_waiting"
  >
> & Partial<Pick<ConsumerConfig, "filter_subject">>

export const DEFAULT_REPLICAS = 1

/** `NATS_REPLICAS`: replicas of every stream and bucket this project creates. */
export const ReplicasConfig = Config.schema(Schema.Literals([1, 3, 5]), "NATS_REPLICAS").pipe(
  Config.withDefault(DEFAULT_REPLICAS)
)

export const nanos = (millis: number) => millis * 1_000_000

/** A `Nats-TTL` header value for a per-message TTL (whole seconds, at least one). */
export const ttlHeader = (millis: number): string => `${Math.max(1, Math.round(millis / 1000))}s`
