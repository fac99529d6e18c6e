/**
 * The long-running commands (start, worker, gateway, sim, demo) run with a young generation of
 * SEMI_SPACE_MB per semi-space. V8 sizes it to the machine, up to 64 MiB a semi-space (128 MiB
 * for the two) on a large one, and a service's start-up (a thousand modules loading, almost all
 * of it surviving) grows it to that at once; the pages stay resident for the process's life while
 * the heap in use is about 60 MB. bench:footprint measured `start` at 8 MiB against the default:
 * the same ingest time, about 40 MB less peak RSS.
 *
 * V8 reads the flag when the process starts, so the command restarts itself once with it, before
 * it has done anything: process.execve replaces the process image (same pid, same stdin, stdout and
 * stderr, same environment), so a supervisor or a test sees one process. A `--max-semi-space-size`
 * the operator gives (NODE_OPTIONS, or node's own flags) is kept as it is, and where execve does
 * not exist (Windows) the command runs with V8's default.
 */

export const SEMI_SPACE_MB = 8

const FLAG = "--max-semi-space-size"

const hasOwnSetting = (execArgv: ReadonlyArray<string>, nodeOptions: string | undefined): boolean =>
  [...execArgv, ...(nodeOptions ?? "").split(/\s+/)].some((arg) => arg === FLAG || arg.startsWith(`${FLAG}=`))

/** The node arguments to restart with, or undefined when the process already runs as wanted. */
export const restartArguments = (
  execArgv: ReadonlyArray<string>,
  argv: ReadonlyArray<string>,
  nodeOptions: string | undefined
): ReadonlyArray<string> | undefined =>
  hasOwnSetting(execArgv, nodeOptions) ? undefined : [`${FLAG}=${SEMI_SPACE_MB}`, ...execArgv, ...argv.slice(1)]

/** Replaces this process with one running the same command with the small young generation; returns if there is nothing to do. */
export const runWithServiceHeap = (): void => {
  const args = restartArguments(process.execArgv, process.argv, process.env["NODE_OPTIONS"])
  if (args === undefined || process.execve === undefined) return
  process.execve(process.execPath, [process.execPath, ...args], process.env)
}
