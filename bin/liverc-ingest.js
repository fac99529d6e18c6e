#!/usr/bin/env node
// The CLI runs the TypeScript sources directly through Node's built-in type stripping
// (Node >= 22.19), so there is no build step between `npm ci` and `npm run -s cli -- <command>`.
const [major, minor] = process.versions.node.split(".").map(Number)
if (major < 22 || (major === 22 && minor < 19)) {
  process.stderr.write(
    `liverc-ingest needs Node >= 22.19 (this is ${process.version}). ` +
      "Run it as `npm run -s cli -- <command>`: npm runs it with the Node 24 that `npm ci` installed.\n"
  )
  process.exit(1)
}
// Node keeps what it compiled (and the TypeScript it stripped) in the user's cache, so a command
// after the first starts without compiling its modules again. NODE_COMPILE_CACHE chooses another
// folder; NODE_DISABLE_COMPILE_CACHE=1 turns it off.
const { enableCompileCache } = await import("node:module")
const { homedir } = await import("node:os")
const { join } = await import("node:path")
enableCompileCache(join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "liverc-ingest", "node-compile-cache"))
await import("../src/cli/main.ts")
