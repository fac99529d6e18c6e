import { clock, jsSeconds } from "./LiveRcFormat.ts"

/**
 * A corrected result on a real captured race page: the winner's last lap and total time grow by
 * 0.1 s per revision, in the table and in the racerLaps script alike, so the page still adds up.
 * Other real pages only change bytes when mutated (see `Mutations.ts`).
 */

const clockMs = (text: string): number => {
  const parts = text.split(":").map(Number)
  const seconds = parts.pop() ?? 0
  const minutes = parts.pop() ?? 0
  const hours = parts.pop() ?? 0
  return Math.round(((hours * 60 + minutes) * 60 + seconds) * 1000)
}

export const correctCapturedRace = (page: string, revision: number): string => {
  const delta = 100 * revision
  const link = /data-driver-id="(\d+)"/.exec(page)
  if (link === null) return `${page}<!-- revision ${revision} -->\n`
  const driverId = link[1] as string
  const totalCell = /<td>(\d+)\/([0-9:.]+)<\/td>/g
  totalCell.lastIndex = link.index
  const total = totalCell.exec(page)
  const blockStart = page.indexOf(`racerLaps[${driverId}] = {`)
  const blockEnd = page.indexOf(`console.log(racerLaps[${driverId}])`, blockStart)
  if (total === null || blockStart < 0 || blockEnd < 0) return `${page}<!-- revision ${revision} -->\n`
  const block = page.slice(blockStart, blockEnd)
  const lastTime = block.lastIndexOf("'time' : '")
  const valueStart = lastTime + "'time' : '".length
  const valueEnd = block.indexOf("'", valueStart)
  const lap = Math.round(Number(block.slice(valueStart, valueEnd)) * 1000)
  const corrected = `${block.slice(0, valueStart)}${jsSeconds(lap + delta)}${block.slice(valueEnd)}`
  const cell = `<td>${total[1]}/${clock(clockMs(total[2] as string) + delta)}</td>`
  const withTotal = `${page.slice(0, total.index)}${cell}${page.slice(total.index + total[0].length)}`
  const shift = cell.length - total[0].length
  const at = blockStart + (blockStart > total.index ? shift : 0)
  return `${withTotal.slice(0, at)}${corrected}${withTotal.slice(at + block.length)}`
}
