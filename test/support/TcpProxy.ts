import { createServer, type Server, type Socket, connect } from "node:net"
import { freePort } from "./NatsTestServer.ts"

/**
 * A TCP forwarder in front of a shared server (Postgres) that a test can cut and restore: `down()`
 * drops every connection and stops listening, as an unreachable server looks to its clients;
 * `up()` listens on the same port again.
 */

export interface TcpProxy {
  readonly port: number
  readonly down: () => Promise<void>
  readonly up: () => Promise<void>
  readonly close: () => Promise<void>
}

export const startTcpProxy = async (targetHost: string, targetPort: number): Promise<TcpProxy> => {
  const port = await freePort()
  const sockets = new Set<Socket>()
  let server: Server | undefined

  const listen = () =>
    new Promise<void>((resolve, reject) => {
      const next = createServer((client) => {
        const upstream = connect(targetPort, targetHost)
        sockets.add(client)
        sockets.add(upstream)
        const drop = () => {
          client.destroy()
          upstream.destroy()
          sockets.delete(client)
          sockets.delete(upstream)
        }
        client.on("error", drop).on("close", drop)
        upstream.on("error", drop).on("close", drop)
        client.pipe(upstream).pipe(client)
      })
      next.once("error", reject)
      next.listen(port, "127.0.0.1", () => {
        server = next
        resolve()
      })
    })

  const down = async () => {
    const running = server
    server = undefined
    for (const socket of sockets) socket.destroy()
    sockets.clear()
    if (running !== undefined) await new Promise<void>((resolve) => running.close(() => resolve()))
  }

  await listen()
  return { port, down, up: listen, close: down }
}
