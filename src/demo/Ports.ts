import { connect, createServer } from "node:net"

/** TCP probes for the demo's choice of ports: who answers, what is free. */

export const isReachable = (host: string, port: number, timeoutMillis = 1_000): Promise<boolean> =>
  new Promise((resolve) => {
    const socket = connect({ host, port })
    const done = (ok: boolean) => {
      socket.destroy()
      resolve(ok)
    }
    socket.setTimeout(timeoutMillis, () => done(false))
    socket.once("connect", () => done(true))
    socket.once("error", () => done(false))
  })

export const isPortFree = (host: string, port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const server = createServer()
    server.unref()
    server.once("error", () => resolve(false))
    server.listen(port, host, () => server.close(() => resolve(true)))
  })

/** A port the system has just handed out on loopback, so free a moment ago. */
export const freePort = (host = "127.0.0.1"): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer()
    server.unref()
    server.once("error", reject)
    server.listen(0, host, () => {
      const address = server.address()
      const port = typeof address === "object" && address !== null ? address.port : 0
      server.close(() => resolve(port))
    })
  })

export const isLoopback = (host: string): boolean => host === "127.0.0.1" || host === "localhost" || host === "::1"
