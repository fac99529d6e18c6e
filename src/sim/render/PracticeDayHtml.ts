import type { PracticeDayView } from "../../liverc/models/Practice.ts"
import { clockTimeWithSeconds, duration, html, longDateWithWeekday, seconds3, sortableDateTime } from "../LiveRcFormat.ts"
import { renderShell, t, trackBreadcrumb } from "./PageShell.ts"

/**
 * A practice day's session list (no real capture; notes §1.14): `table.practice_session_list`,
 * per row the session link (driver name) with `Class (transponder)` in `small`, the start in a
 * hidden `YYYY-MM-DD HH:MM:SS` div, laps (`data-sort`) over the `M:SS` length, `Fast:`/`Avg:`.
 * A day without sessions has no table, only LiveRC's "no practice sessions" sentence.
 */

export const renderPracticeDay = ({ model, trackName }: { readonly trackName: string; readonly model: PracticeDayView }): string => {
  const rows = model.sessions.map((s) => {
    const small = s.className === null
      ? (s.transponder === null ? "" : `(${s.transponder})`)
      : `${s.className}${s.transponder === null ? "" : ` (${s.transponder})`}`
    return `${t(6)}<tr>
${t(7)}<td><a href="/practice/?p=view_session&id=${s.sessionId}">${html(s.driverName)}</a><br /><small>${html(small)}</small></td>
${t(7)}<td><div class="hidden">${sortableDateTime(s.startedAt)}</div>${clockTimeWithSeconds(s.startedAt)}</td>
${t(7)}<td data-sort="${s.lapCount}">${s.lapCount}<br />${s.durationMs === null ? "" : duration(s.durationMs / 1000)}</td>
${t(7)}<td>${s.fastLapMs === null ? "" : `Fast: ${seconds3(s.fastLapMs)}`}<br />${s.avgLapMs === null ? "" : `Avg: ${seconds3(s.avgLapMs)}`}</td>
${t(6)}</tr>
`
  }).join("")
  const body = model.sessions.length === 0
    ? `				<p class="padding_container">There are no practice sessions for this date.</p>\n`
    : `				<div class="table-responsive">
					<table class="table table-striped practice_session_list" width="100%">
						<thead>
							<tr>
								<th>Driver</th>
								<th>Start Time</th>
								<th>Laps</th>
								<th>Lap Times</th>
							</tr>
						</thead>
						<tbody>
${rows}						</tbody>
					</table>
				</div>
`
  const content = `${trackBreadcrumb("fa-clock-o", `${trackName}'s Practice Sessions`)}
<div class="row">
	<div class="col-lg-12">
		<div class="panel panel-default">
			<div class="panel-heading"><i class="fa fa-calendar"></i> ${html(longDateWithWeekday(model.date))}</div>
			<div class="panel-body no_padding">
${body}			</div>
		</div>
	</div>
</div>`
  return renderShell({
    title: [trackName, "Practice Sessions", model.date],
    stylesheets: ["/css/practice/practice.session_list.css"],
    scripts: ["/js/practice/practice.session_list.min.js"],
    trackSite: true,
    content
  })
}
