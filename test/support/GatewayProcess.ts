import { type ChildProcess, spawn } from "node:child_process"
import { join } from "node:path"
import { freePort } from "./NatsTestServer.ts"

/**
 * `liverc-ingest gateway` as shipped, as a real process on a free port, configured by `env`
 * (NATS_URL, DATABASE_URL, GATEWAY_*, INGEST_*). It listens on 127.0.0.1 unless `env` sets
 * GATEWAY_HOST, and is always reached at http://127.0.0.1:<port>. Ready once /healthz answers.
 */

export interface GatewayProcess {
  readonly url: string
  readonly port: number
  readonly pid: number
  /** Everything the process printed so far (logs), for failure messages and assertions. */
  readonly output: () => string
  readonly exited: Promise<number | null>
  /** SIGTERM; resolves with the exit code. */
  readonly terminate: () => Promise<number | null>
  readonly kill: () => Promise<void>
}

const bin = join(import.meta.dirname, "..", "..", "bin", "liverc-ingest.js")

/** Whether the service at `url` answers /healthz with 200 within a second. */
export const healthy = async (url: string): Promise<boolean> => {
  try {
    const response = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(1000) })
    await response.arrayBuffer()
    return response.status === 200
  } catch {
    return false
  }
}

export const startGateway = async (env: Record<string, string>): Promise<GatewayProcess> => {
  const port = await freePort()
  const child: ChildProcess = spawn(process.execPath, [bin, "gateway"], {
    env: { ...process.env, GATEWAY_HOST: "127.0.0.1", ...env, GATEWAY_PORT: String(port) },
    stdio: ["ignore", "pipe", "pipe"]
  })
  let log = ""
  child.stdout?.on("data", (chunk: Buffer) => {
    log += chunk.toString("utf8")
  })
  child.stderr?.on("data", (chunk: Buffer) => {
    log += chunk.toString("utf8")
  })
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)))
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 30_000
  while (!(await healthy(url))) {
    if (child.exitCode !== null) throw new Error(`gateway exited with ${child.exitCode} before it was ready:\n${log}`)
    if (Date.now() > deadline) {
      child.kill("SIGKILL")
      throw new Error(`gateway did not answer /healthz within 30 s:\n${log}`)
    }
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    url,
    port,
    pid: child.pid ?? -1,
    output: () => log,
    exited,
    terminate: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGTERM")
      return exited
    },
    kill: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL")
      await exited
    }
  }
}

export interface Answer {
  readonly status: number
  readonly headers: Headers
  readonly body: any
}

const readsOnly = new Set(["GET", "HEAD", "OPTIONS"])

/**
 * One request; the body is parsed as JSON when the answer says it is JSON. Every method but GET,
 * HEAD and OPTIONS is sent with `Content-Type: application/json` (the gateway refuses anything
 * else on a route that changes something) unless `headers` names another content type.
 */
export const call = async (
  url: string,
  init: { readonly method?: string; readonly body?: unknown; readonly token?: string; readonly headers?: Record<string, string> } = {}
): Promise<Answer> => {
  const headers: Record<string, string> = { ...init.headers }
  if (init.token !== undefined) headers["authorization"] = `Bearer ${init.token}`
  const method = init.method ?? "GET"
  let body: string | undefined
  if (init.body !== undefined) body = typeof init.body === "string" ? init.body : JSON.stringify(init.body)
  const namesContentType = Object.keys(headers).some((name) => name.toLowerCase() === "content-type")
  if (!namesContentType && (body !== undefined || !readsOnly.has(method.toUpperCase()))) {
    headers["content-type"] = "application/json"
  }
  const response = await fetch(url, { method, headers, body })
  const text = await response.text()
  const isJson = (response.headers.get("content-type") ?? "").includes("json")
  return { status: response.status, headers: response.headers, body: isJson && text !== "" ? JSON.parse(text) : text }
}
