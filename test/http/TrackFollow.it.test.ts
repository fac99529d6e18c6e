import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { call, type GatewayProcess, startGateway } from "../support/GatewayProcess.ts"
import { type NatsTestServer, startNatsServer } from "../support/NatsTestServer.ts"
import { queueEnv } from "../support/QueueHarness.ts"
import type { TestDatabase } from "../support/TestDatabase.ts"
import { seededDatabase, STORED_TRACK } from "./GatewayRig.ts"

/** Following tracks over HTTP, stored in Postgres: idempotent both ways, listed with the catalogue's name. */

const TOKEN = "follow-test-token-0123456789"

describe("PUT/DELETE /api/v1/tracks/{slug}/follow", () => {
  let nats: NatsTestServer
  let db: TestDatabase
  let gateway: GatewayProcess

  beforeAll(async () => {
    nats = await startNatsServer()
    db = await seededDatabase([])
    gateway = await startGateway({ ...queueEnv(nats.url), DATABASE_URL: db.url, GATEWAY_TOKEN: TOKEN })
  })
  afterAll(async () => {
    await gateway?.kill()
    db?.drop()
    await nats?.stop()
  })

  const api = (method: string, path: string, token: string | undefined = TOKEN) =>
    call(`${gateway.url}${path}`, { method, token })

  it("follows a track once: the second PUT changes nothing", async () => {
    const first = await api("PUT", `/api/v1/tracks/${STORED_TRACK}/follow`)
    expect(first.status).toBe(200)
    expect(first.body.data).toEqual({
      track_slug: STORED_TRACK,
      track_name: "Canberra Off Road",
      followed: true,
      followed_at: expect.any(String),
      changed: true
    })
    const again = await api("PUT", `/api/v1/tracks/${STORED_TRACK}/follow`)
    expect(again.body.data).toMatchObject({ followed: true, changed: false, followed_at: first.body.data.followed_at })
  })

  it("follows a track no catalogue sync has stored yet", async () => {
    const answer = await api("PUT", "/api/v1/tracks/not-synced-yet/follow")
    expect(answer.body.data).toMatchObject({ track_slug: "not-synced-yet", track_name: null, changed: true })
  })

  it("lists the followed tracks", async () => {
    const listed = await api("GET", "/api/v1/tracks/followed")
    expect(listed.body.data.map((t: any) => t.track_slug)).toEqual([STORED_TRACK, "not-synced-yet"])
  })

  it("unfollows; a second DELETE changes nothing", async () => {
    const first = await api("DELETE", "/api/v1/tracks/not-synced-yet/follow")
    expect(first.body.data).toEqual({ track_slug: "not-synced-yet", track_name: null, followed: false, followed_at: null, changed: true })
    expect((await api("DELETE", "/api/v1/tracks/not-synced-yet/follow")).body.data.changed).toBe(false)
    expect((await api("GET", "/api/v1/tracks/followed")).body.data.map((t: any) => t.track_slug)).toEqual([STORED_TRACK])
  })

  it("refuses a slug that is not one, and a request without the token", async () => {
    const bad = await api("PUT", "/api/v1/tracks/Not_A_Slug/follow")
    expect(bad.status).toBe(400)
    expect(bad.body.error.code).toBe("VALIDATION_ERROR")
    expect((await api("PUT", `/api/v1/tracks/${STORED_TRACK}/follow`, "wrong")).status).toBe(401)
  })
})
