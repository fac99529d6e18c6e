import type { PracticeSessionDetail } from "../../liverc/models/Practice.ts"
import { addSeconds, clock, clockTimeWithSeconds, duration, html, longDateWithWeekday, seconds3, tenths } from "../LiveRcFormat.ts"
import { renderShell, t, trackBreadcrumb } from "./PageShell.ts"

/**
 * A practice session (no real capture; notes §1.14): the first `table.table` holds driver, class,
 * transponder, then `Date:`/`Start:`/`End:`/`Length of Session:`; further rows are found by their
 * header (`Num Laps`, `Fastest Lap`, `Top 3`, `Averages`, `Valid Lap Range`); the laps are the
 * `var lapsObj = [{"x":"1","lap_time":"44.564"}, ...]` script, every lap numbered from 1.
 */

const bestAverage = (laps: ReadonlyArray<number>, n: number) =>
  laps.length < n ? "" : seconds3(Math.round([...laps].sort((a, b) => a - b).slice(0, n).reduce((a, b) => a + b, 0) / n))

const bestThree = (laps: ReadonlyArray<number>) => {
  let best = Number.POSITIVE_INFINITY
  for (let i = 0; i + 3 <= laps.length; i++) best = Math.min(best, (laps[i] ?? 0) + (laps[i + 1] ?? 0) + (laps[i + 2] ?? 0))
  return Number.isFinite(best) ? clock(best) : ""
}

const row = (header: string, value: string) => `${t(6)}<tr>\n${t(7)}<th>${header}</th>\n${t(7)}<td>${value}</td>\n${t(6)}</tr>\n`

export const renderPracticeSession = ({ model, trackName }: { readonly trackName: string; readonly model: PracticeSessionDetail }): string => {
  const laps = model.laps.map((lap) => lap.timeMs)
  const mean = laps.length === 0 ? 0 : laps.reduce((a, b) => a + b, 0) / laps.length
  const sd = laps.length === 0 ? 0 : Math.sqrt(laps.reduce((acc, x) => acc + (x - mean) ** 2, 0) / laps.length) / 1000
  const seconds = model.durationMs === null ? null : model.durationMs / 1000
  const timing = [
    `Date: ${longDateWithWeekday(model.startedAt)}`,
    `Start: ${clockTimeWithSeconds(model.startedAt)}`,
    seconds === null ? "" : `End: ${clockTimeWithSeconds(addSeconds(model.startedAt, seconds))}`,
    seconds === null ? "" : `Length of Session: ${duration(seconds)}`
  ].filter((line) => line !== "").join("<br />")
  const averages = [
    model.avgLapMs === null ? "" : `Avg: ${seconds3(model.avgLapMs)}`,
    `Top 5: ${bestAverage(laps, 5)}`,
    `Top 10: ${bestAverage(laps, 10)}`,
    `Top 15: ${bestAverage(laps, 15)}`,
    `Std Deviation: ${sd.toFixed(2)}`,
    model.consistencyPct === null ? "" : `Consistency: ${tenths(Math.round(model.consistencyPct * 10))}%`
  ].filter((line) => line !== "").join("<br />")
  const lapsObj = model.laps.map((lap) => `{"x":"${lap.lap}","lap_time":"${seconds3(lap.timeMs)}"}`).join(",")
  const content = `${trackBreadcrumb("fa-clock-o", `${trackName}'s Practice Sessions`)}
<div class="row">
	<div class="col-lg-4">
		<div class="panel panel-default">
			<div class="panel-heading"><i class="fa fa-user"></i> Session Details</div>
			<div class="panel-body no_padding">
				<table class="table table-striped">
					<tbody>
${row("Driver", html(model.driverName))}${row("Class", html(model.className ?? ""))}${row("Transponder", html(model.transponder ?? ""))}${
    row("Session Time", timing)
  }${row("Num Laps", String(model.lapCount))}${row("Fastest Lap", model.fastLapMs === null ? "" : seconds3(model.fastLapMs))}${
    row("Top 3", bestThree(laps))
  }${row("Averages", averages)}${row("Valid Lap Range", laps.length === 0 ? "" : `${seconds3(Math.min(...laps))} to ${clock(Math.max(...laps))}`)}					</tbody>
				</table>
			</div>
		</div>
	</div>
	<div class="col-lg-8">
		<div class="panel panel-default">
			<div class="panel-heading"><i class="fa fa-area-chart"></i> Lap Times</div>
			<div class="panel-body">
				<div class="flot-chart"><div class="flot-chart-content" id="chart_lap_times"></div></div>
			</div>
		</div>
	</div>
</div>
<script type="text/javascript">
	var lapsObj = [${lapsObj}];
</script>`
  return renderShell({
    title: [trackName, "Practice Session", model.driverName],
    stylesheets: ["/css/practice/practice.view_session.css"],
    scripts: ["/js/practice/practice.view_session.min.js", "/vendor/flot/jquery.flot.js"],
    trackSite: true,
    content
  })
}
