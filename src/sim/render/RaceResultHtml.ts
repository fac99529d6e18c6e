import type { RaceResult, RaceResultRow } from "../../liverc/models/RaceResult.ts"
import {
  clock,
  duration,
  html,
  hundredths,
  hundredths3,
  jsSeconds,
  jsString,
  seconds3,
  shortDate
} from "../LiveRcFormat.ts"
import type { RacePageContext } from "../SyntheticData.ts"
import { eventBreadcrumb, renderShell, t } from "./PageShell.ts"

/**
 * A race result page exactly as LiveRC lays it out: the `racerLaps[ID] = { 'key' : 'value' }`
 * script (lap 0 first, trailing commas, PHP-style numbers) followed by `table.race_result`
 * (car number and name spans, `data-driver-id` on View Laps, `<sup>` lap of the fastest lap,
 * `div.hidden` sort values, `Length:` in the header).
 */

const bestAverage = (laps: ReadonlyArray<number>, n: number): number | null => {
  if (laps.length < n) return null
  const best = [...laps].sort((a, b) => a - b).slice(0, n)
  return Math.round(best.reduce((a, b) => a + b, 0) / n)
}

const bestConsecutive = (laps: ReadonlyArray<number>, n: number): number | null => {
  if (laps.length < n) return null
  let best = Number.POSITIVE_INFINITY
  for (let i = 0; i + n <= laps.length; i++) {
    let sum = 0
    for (let j = i; j < i + n; j++) sum += laps[j] as number
    best = Math.min(best, sum)
  }
  return best
}

const standardDeviationMs = (laps: ReadonlyArray<number>): number => {
  const mean = laps.reduce((a, b) => a + b, 0) / laps.length
  return Math.sqrt(laps.reduce((acc, x) => acc + (x - mean) ** 2, 0) / laps.length)
}

interface RowStats {
  readonly top5: number | null
  readonly top10: number | null
  readonly top15: number | null
  readonly top2: number | null
  readonly top3: number | null
  readonly sdMs: number | null
}

const statsOf = (row: RaceResultRow): RowStats => {
  const laps = row.laps.map((lap) => lap.timeMs)
  if (laps.length === 0) return { top5: null, top10: null, top15: null, top2: null, top3: null, sdMs: null }
  return {
    top5: bestAverage(laps, 5),
    top10: bestAverage(laps, 10),
    top15: bestAverage(laps, 15),
    top2: bestConsecutive(laps, 2),
    top3: bestConsecutive(laps, 3),
    sdMs: standardDeviationMs(laps)
  }
}

const jsMs = (ms: number | null) => (ms === null ? "" : seconds3(ms))

/** `48/30:32.160`: laps and time projected over the race length at the pace so far. */
const pace = (cumulativeMs: number, lapsSoFar: number, lengthMs: number) => {
  const average = cumulativeMs / lapsSoFar
  const laps = Math.max(lapsSoFar, Math.ceil(lengthMs / average))
  return `${laps}/${clock(Math.round(laps * average))}`
}

// Fixed pieces of one lap object, assembled by concatenation: race pages hold thousands of laps.
const lapOpen = `${t(21)}{\n${t(12)}'lapNum' : '`
const lapPos = `',\n${t(12)}'pos' : '`
const lapTime = `',\n${t(12)}'time' : '`
const lapPace = `',\n${t(12)}'pace' : '`
const lapClose = `',\n${t(12)}'segments' : [\n${t(25)}]\n${t(11)}},`
const lapObject = (lapNum: number, pos: number, time: string, lapPace_: string) =>
  lapOpen + lapNum + lapPos + pos + lapTime + time + lapPace + lapPace_ + lapClose
const positionPush = `${t(17)}positionDataDriver.data.push([`

const racerLapsBlock = (row: RaceResultRow, stats: RowStats, lengthMs: number): string => {
  const name = jsString(row.driverName)
  const id = row.sourceDriverId ?? "0"
  const out: Array<string> = [
    `${t(7)}positionDataDriver = {};`,
    `${t(7)}positionDataDriver.label = '${name}';`,
    `${t(7)}positionDataDriver.data = [];`,
    `${t(7)}driverNames.push('${name}');`,
    `${t(7)}racerLaps[${id}] = {`,
    `${t(8)}'driverName' : '${name}',`,
    `${t(8)}'fastLap' : '${jsMs(row.fastLapMs)}',`,
    `${t(8)}'avgLap' : '${jsMs(row.avgLapMs)}',`,
    `${t(8)}'avgTop5' : '${jsMs(stats.top5)}',`,
    `${t(8)}'avgTop10' : '${jsMs(stats.top10)}',`,
    `${t(8)}'avgTop15' : '${jsMs(stats.top15)}',`,
    `${t(8)}'top2Consecutive' : '${jsMs(stats.top2)}',`,
    `${t(8)}'top3Consecutive' : '${jsMs(stats.top3)}',`,
    `${t(8)}'stdDeviation' : '${stats.sdMs === null ? "" : (stats.sdMs / 1000).toFixed(3)}',`,
    `${t(8)}'consistency' : '${row.consistencyPct === null ? "" : hundredths3(Math.round(row.consistencyPct * 100))}',`,
    `${t(8)}'laps' : [`
  ]
  if (row.laps.length === 0) {
    out.push(`${t(9)}${t(8)}]`, `${t(7)}};`, `${t(7)}${t(7)}positionData.push(positionDataDriver);`)
  } else {
    out.push(`${t(24)}${lapObject(0, row.qualPosition ?? 1, "0", "0").slice(21)}`)
    let cumulative = 0
    for (const lap of row.laps) {
      cumulative += lap.timeMs
      out.push(lapObject(lap.lap, lap.position ?? 1, jsSeconds(lap.timeMs), pace(cumulative, lap.lap, lengthMs)))
    }
    out.push(`${t(27)}]`, `${t(7)}};`)
    out.push(`${t(24)}positionDataDriver.data.push([0, ${row.qualPosition ?? 1}]);`)
    for (const lap of row.laps) out.push(`${positionPush}${lap.lap}, ${lap.position ?? 1}]);`)
    out.push(`${t(22)}positionData.push(positionDataDriver);`)
  }
  out.push(`${t(7)}console.log(racerLaps[${id}]);`)
  return out.join("\n")
}

const hiddenCell = (ms: number | null, shown: (ms: number) => string = seconds3) =>
  ms === null ? `<td><div class="hidden"></div></td>` : `<td><div class="hidden">${seconds3(ms)}</div>${shown(ms)}</td>`

/** Gap to the car directly ahead: seconds on the same lap, else whole laps; empty for the winner. */
const behind = (row: RaceResultRow, ahead: RaceResultRow | undefined): string => {
  if (ahead === undefined) return ""
  const lapsDown = ahead.lapsCompleted - row.lapsCompleted
  if (lapsDown > 0) return `${lapsDown} ${lapsDown === 1 ? "Lap" : "Laps"}`
  if (row.totalTimeMs === null || ahead.totalTimeMs === null) return "0.000"
  return seconds3(Math.max(0, row.totalTimeMs - ahead.totalTimeMs))
}

const resultRow = (row: RaceResultRow, ahead: RaceResultRow | undefined, stats: RowStats): string => {
  const driverLink = row.sourceDriverId !== null && row.lapsCompleted > 0
    ? `${t(12)}${t(15)}<br /><span class="text-nowrap"><small><small><a href="#" data-driver-id="${row.sourceDriverId}" class="driver_laps"><span class="fa fa-eye"></span> View Laps</a></small></small></span>\n`
    : ""
  const lapsTime = row.totalTimeMs === null ? String(row.lapsCompleted) : `${row.lapsCompleted}/${clock(row.totalTimeMs)}`
  const fastest = row.fastLapMs === null ? "" : `${seconds3(row.fastLapMs)}<sup>${row.fastLapNumber ?? ""}</sup>`
  return `${t(9)}${t(8)}<tr>
${t(10)}<td>${row.position ?? ""}</td>
${t(10)}<td>
${t(11)}<span class="car_num">${html(row.carNumber ?? "")}</span>
${t(11)}<span class="driver_name">${html(row.driverName)}</span>
${driverLink}${t(12)}${t(13)}</td>
${t(10)}<td>${row.qualPosition ?? ""}</td>
${t(10)}<td>${lapsTime}</td>
${t(10)}<td>${behind(row, ahead)}</td>
${t(10)}<td>${fastest}</td>
${t(10)}${hiddenCell(row.avgLapMs)}
${t(10)}${hiddenCell(stats.top5)}
${t(10)}${hiddenCell(stats.top10)}
${t(10)}${hiddenCell(stats.top15)}
${t(10)}${hiddenCell(stats.top3, clock)}
${t(10)}<td>${stats.sdMs === null ? "" : (stats.sdMs / 1000).toFixed(2)}</td>
${t(10)}<td>${row.consistencyPct === null ? "" : `${hundredths(Math.round(row.consistencyPct * 100))}%`}</td>
${t(9)}</tr>
`
}

const headerCells = (fastestLabel: string) =>
  ["Pos", "Driver", "Qual", "Laps/Time", "Behind", fastestLabel, "Avg Lap", "Avg Top 5", "Avg Top 10", "Avg Top 15", "Top 3 Consecutive", "Std. Deviation", "Consistency"]
    .map((label) => `${t(9)}<th>${label}</th>\n`)
    .join("")

const raceColor = (label: string) => ["#0000FF", "#FF0000", "#008000", "#800080", "#FF8C00"][label.length % 5] as string

export interface RacePage {
  readonly trackName: string
  readonly model: RaceResult
  readonly context: RacePageContext
}

export const renderRaceResult = ({ context, model, trackName }: RacePage): string => {
  const lengthMs = context.lengthSeconds * 1000
  const stats = model.results.map(statsOf)
  const roundNumber = /(\d+)$/.exec(model.round ?? "")?.[1]
  const tag = roundNumber === undefined ? "M1" : `Q${roundNumber}`
  const raceNumber = model.raceNumber ?? ""
  const content = `								<script>
	$(document).ready(function()
	{
		$('.race_result').DataTable(
		{
			'responsive': true,
			'paging': false,
			'filter': false,
			'sort': ($(window).width() > 500 ? true : false),
			'info': false
		});
	});
</script>

${eventBreadcrumb(trackName, context.eventName, shortDate(context.eventDate))}
<div class="row">
	</div>

<div class="row">
	
	<div class="col-lg-12">
		
		<div class="panel panel-default">
			<div class="panel-heading"><i class="fa fa-trophy"></i> ${html(model.className)} Results [${tag} Race #${raceNumber}]</div>
			<div class="panel-body no_padding">
				
									
					<script type="text/javascript">
						var racerLaps = {};
						var positionData = [];
						var driverNames = [];
${model.results.map((row, i) => racerLapsBlock(row, stats[i] as RowStats, lengthMs)).join("\n")}
											</script>
					
					<div class="table-responsive">
						<table class="table table-striped race_result" cellspacing="0" width="100%">
							<thead>
								<tr>
									<th colspan="14">
										<div class="race_num" style="background: ${raceColor(model.className)};color: white;">${raceNumber}</div>
										<div class="race_info">
											<span class="class_header">${html(model.className)}</span><br />
											<span class="class_sub_header">Round: ${html(model.round ?? "")}</span><br />
											<span class="class_sub_header">Length: ${duration(context.lengthSeconds)} Timed</span>
										</div>
									</th>
								</tr>
								<tr>
${headerCells("Fastest Lap")}								</tr>
							</thead>
							<tfoot>
								<tr>
${headerCells("Fastest Lap <sup>(Lap #)</sup>")}								</tr>
							</tfoot>
							<tbody>
${model.results.map((row, i) => resultRow(row, model.results[i - 1], stats[i] as RowStats)).join("")}							</tbody>
						</table>
					</div>
					
								
			</div>
		</div>
		
			<div class="panel panel-default">
				<div class="panel-heading"><i class="fa fa-area-chart"></i> Lap-by-Lap Position Graph</div>
				<div class="panel-body">
					<div class="flot-chart">
						<div class="flot-chart-content" id="chart_position_by_laps"></div>
					</div>
				</div>
			</div>
			
	</div>
	
</div>`
  return renderShell({
    title: [trackName, context.eventName, model.className],
    stylesheets: [
      "/css/results/results.global.css",
      "/css/results/results.race_result.css",
      "/vendor/datatables/css/dataTables.bootstrap.min.css",
      "/vendor/datatables-responsive/dataTables.responsive.css"
    ],
    scripts: [
      "/js/results/results.race_result.min.js",
      "/vendor/datatables/js/jquery.dataTables.min.js",
      "/vendor/datatables-plugins/dataTables.bootstrap.min.js",
      "/vendor/flot/jquery.flot.js",
      "/vendor/flot-tooltip/jquery.flot.tooltip.min.js"
    ],
    trackSite: true,
    content
  })
}
