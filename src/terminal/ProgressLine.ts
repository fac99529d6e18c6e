import type { JobStatus } from "../jobs/JobStatus.ts"

/**
 * The one-line view of a followed job on a terminal: id, state, stage, a bar with done/total,
 * elapsed time. Pure, so its layout is tested without a terminal.
 */

export const formatElapsed = (millis: number): string => {
  const total = Math.max(0, Math.floor(millis / 1000))
  const hours = Math.floor(total / 3600)
  const minutes = Math.floor((total % 3600) / 60)
  const seconds = String(total % 60).padStart(2, "0")
  return hours > 0 ? `${hours}:${String(minutes).padStart(2, "0")}:${seconds}` : `${minutes}:${seconds}`
}

const BAR_MIN = 10
const BAR_MAX = 30

export const progressBar = (done: number, total: number, width: number): string => {
  const ratio = total <= 0 ? 0 : Math.min(1, Math.max(0, done / total))
  const filled = Math.round(ratio * width)
  return `[${"█".repeat(filled)}${"░".repeat(width - filled)}]`
}

const stateOf = (status: JobStatus): string => {
  const attempt = status.attempts > 1 ? ` (attempt ${status.attempts})` : ""
  switch (status.status) {
    case "queued": {
      const position = typeof status.queue_position === "number" ? ` #${status.queue_position} in line` : ""
      const retry = status.error_code === null ? "" : `, retrying after ${status.error_code}`
      return `queued${position}${attempt}${retry}`
    }
    case "failed":
      return `failed ${status.error_code ?? ""}`.trimEnd()
    default:
      return `${status.status}${attempt}`
  }
}

export const renderProgressLine = (status: JobStatus, elapsedMillis: number, width: number): string => {
  const head = `${status.job_id}  ${stateOf(status)}`
  const elapsed = formatElapsed(elapsedMillis)
  const progress = status.progress
  if (progress === null || status.status === "queued") return fit(`${head}  ${elapsed}`, width)
  const counts = progress.total === null ? `${progress.done}` : `${progress.done}/${progress.total}`
  const fixed = `${head}  ${progress.stage}  ${counts}  ${elapsed}`
  const room = width - 1 - fixed.length - 3
  if (progress.total === null || room < BAR_MIN) return fit(fixed, width)
  const bar = progressBar(progress.done, progress.total, Math.min(BAR_MAX, room))
  return fit(`${head}  ${progress.stage}  ${bar} ${counts}  ${elapsed}`, width)
}

/** Never wider than the terminal: a wrapped line could not be redrawn in place. */
const fit = (line: string, width: number): string => (line.length < width ? line : `${line.slice(0, Math.max(1, width - 2))}…`)
