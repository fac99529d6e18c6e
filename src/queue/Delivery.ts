import type { Msg } from "@nats-io/transport-node"

/**
 * One delivery of a work-stream message to this process: the command bytes, where it sits in the
 * stream, how often it was delivered, and the JetStream ack protocol on its reply subject
 * (`+ACK`, `-NAK` with an optional delay, `+WPI` = working, `+TERM`). The actors pull on their
 * own inbox (see DemandPuller), so they read deliveries straight off core NATS messages.
 */
export interface Delivery {
  readonly subject: string
  /** Stream sequence: the job's place in INGEST, stable across redeliveries. */
  readonly seq: number
  /** 1 on the first delivery. */
  readonly deliveryCount: number
  readonly data: Uint8Array
  readonly text: () => string
  /**
   * Done: the server removes the message. Fire and forget, like nak and term: a lost ack means a
   * redelivery, and the actor acks a delivery whose status is already completed without running
   * it again, so waiting for the server's confirmation (a request per job) buys nothing.
   */
  readonly ack: () => void
  /** Redeliver after `delayMillis` (at once without it). */
  readonly nak: (delayMillis?: number) => void
  /** Resets the ack wait: the job is alive. */
  readonly working: () => void
  /** Never redeliver; on a work-queue stream this removes the message. */
  readonly term: () => void
}

interface AckInfo {
  readonly seq: number
  readonly deliveryCount: number
}

/**
 * `$JS.ACK.<stream>.<consumer>.<delivered>.<sseq>.<dseq>.<ts>.<pending>` (9 tokens), or the
 * 12-token form with domain and account hash in front of the stream.
 */
export const parseAckSubject = (reply: string): AckInfo | undefined => {
  const tokens = reply.split(".")
  if (tokens[0] !== "$JS" || tokens[1] !== "ACK") return undefined
  const offset = tokens.length === 9 ? 0 : tokens.length >= 11 ? 2 : -1
  if (offset < 0) return undefined
  const deliveryCount = Number(tokens[4 + offset])
  const seq = Number(tokens[5 + offset])
  return Number.isSafeInteger(deliveryCount) && Number.isSafeInteger(seq) ? { seq, deliveryCount } : undefined
}

const encoder = new TextEncoder()
const WORKING = encoder.encode("+WPI")
const NAK = encoder.encode("-NAK")
const TERM = encoder.encode("+TERM")
const ACK = encoder.encode("+ACK")

/** How a delivery's answers leave: a core publish to its reply subject (JetStreamRequests.publishLater). */
export type Send = (subject: string, payload: Uint8Array) => void

/** Undefined for anything that is not a JetStream delivery (status messages, stray publishes). */
export const toDelivery = (send: Send, msg: Msg): Delivery | undefined => {
  const reply = msg.reply
  if (reply === undefined || reply === "") return undefined
  const info = parseAckSubject(reply)
  if (info === undefined) return undefined
  // After the first final answer (ack, nak, term) later ones are dropped, as in the official client.
  let settled = false
  const settle = (payload: Uint8Array) => {
    if (settled) return
    settled = true
    send(reply, payload)
  }
  return {
    subject: msg.subject,
    seq: info.seq,
    deliveryCount: info.deliveryCount,
    data: msg.data,
    text: () => msg.string(),
    ack: () => settle(ACK),
    nak: (delayMillis) =>
      settle(
        delayMillis === undefined || delayMillis <= 0
          ? NAK
          : encoder.encode(`-NAK ${JSON.stringify({ delay: Math.round(delayMillis) * 1_000_000 })}`)
      ),
    working: () => {
      if (!settled) send(reply, WORKING)
    },
    term: () => settle(TERM)
  }
}
