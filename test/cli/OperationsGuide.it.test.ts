import { connect, headers as natsHeaders, type NatsConnection } from "@nats-io/transport-node"
import { Schema } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { Command } from "../../src/jobs/Commands.ts"
import { commandParams } from "../../src/jobs/JobTransitions.ts"
import { guidePublishes, readGuide } from "../support/GuideCommands.ts"
import { type IngestRig, startRig } from "../support/IngestRig.ts"

/**
 * Every command docs/operations.md shows for publishing by hand, sent exactly as written (same
 * subject, same headers, same body, as a request for the PubAck like `nats pub --jetstream`) to a
 * private nats-server, where a real `liverc-ingest worker` against the simulator and a fresh
 * database must run it to completion. If the guide drifts from the protocol, this fails.
 */

const decodeCommand = Schema.decodeUnknownSync(Schema.fromJsonString(Command))
const PubAck = Schema.Struct({ stream: Schema.String, seq: Schema.Int, duplicate: Schema.optionalKey(Schema.Boolean) })
const decodePubAck = Schema.decodeUnknownSync(Schema.fromJsonString(PubAck))

describe("docs/operations.md: publishing a command by hand", () => {
  let rig: IngestRig
  let nc: NatsConnection

  beforeAll(async () => {
    // A small synthetic catalogue keeps the catalogue sync short; the documented track is real.
    rig = await startRig({ sim: { tracks: 5 } })
    await rig.startWorker()
    nc = await connect({ servers: rig.nats.url })
  })
  afterAll(async () => {
    await nc?.drain()
    await rig?.close()
  })

  const publishes = guidePublishes(readGuide())

  it.each(publishes.map((p) => [decodeCommand(p.body).kind, p] as const))(
    "the documented %s command is accepted and run to completion by a real worker",
    async (_kind, publish) => {
      const h = natsHeaders()
      for (const [key, value] of publish.headers) h.append(key, value)
      const reply = await nc.request(publish.subject, publish.body, { headers: h, timeout: 5000 })
      const ack = decodePubAck(reply.string())
      expect(ack).toMatchObject({ stream: "INGEST" })
      expect(ack.duplicate ?? false).toBe(false)

      const command = decodeCommand(publish.body)
      const done = await rig.settled(command.job_id, 90_000)
      expect(done, JSON.stringify(done)).toMatchObject({
        job_id: command.job_id,
        kind: command.kind,
        status: "completed",
        params: commandParams(command)
      })
    }
  )
})
