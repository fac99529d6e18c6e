import type { PracticeMonthView } from "../../liverc/models/Practice.ts"
import { daysInMonth, html, monthTitle, weekdayOf } from "../LiveRcFormat.ts"
import { renderShell, t, trackBreadcrumb } from "./PageShell.ts"

/**
 * A practice month calendar (no real capture; notes §1.14): a week grid whose practice days link
 * `?p=session_list&d=YYYY-MM-DD`, with previous/next month links `?p=calendar&d=YYYY-MM`.
 */

const shiftMonth = (month: string, delta: number) => {
  const index = Number(month.slice(0, 4)) * 12 + Number(month.slice(5, 7)) - 1 + delta
  return `${Math.floor(index / 12)}-${String((index % 12) + 1).padStart(2, "0")}`
}

export const renderPracticeMonth = ({ model, trackName }: { readonly trackName: string; readonly model: PracticeMonthView }): string => {
  const practiceDays = new Set(model.days)
  const cells: Array<string> = []
  const lead = weekdayOf(`${model.month}-01`)
  for (let i = 0; i < lead; i++) cells.push(`${t(8)}<td class="other_month"></td>\n`)
  for (let day = 1; day <= daysInMonth(model.month); day++) {
    const date = `${model.month}-${String(day).padStart(2, "0")}`
    cells.push(
      practiceDays.has(date)
        ? `${t(8)}<td class="day has_sessions"><a href="/practice/?p=session_list&d=${date}">${day}</a><br /><small>Practice</small></td>\n`
        : `${t(8)}<td class="day">${day}</td>\n`
    )
  }
  while (cells.length % 7 !== 0) cells.push(`${t(8)}<td class="other_month"></td>\n`)
  const weeks: Array<string> = []
  for (let i = 0; i < cells.length; i += 7) weeks.push(`${t(7)}<tr>\n${cells.slice(i, i + 7).join("")}${t(7)}</tr>\n`)
  const content = `${trackBreadcrumb("fa-clock-o", `${trackName}'s Practice Sessions`)}
<div class="row">
	<div class="col-lg-12">
		<div class="panel panel-default">
			<div class="panel-heading">
				<a href="/practice/?p=calendar&d=${shiftMonth(model.month, -1)}"><i class="fa fa-chevron-left"></i></a>
				${html(monthTitle(model.month))}
				<a href="/practice/?p=calendar&d=${shiftMonth(model.month, 1)}"><i class="fa fa-chevron-right"></i></a>
			</div>
			<div class="panel-body no_padding">
				<table class="table table-bordered practice_calendar" width="100%">
					<thead>
						<tr><th>Sun</th><th>Mon</th><th>Tue</th><th>Wed</th><th>Thu</th><th>Fri</th><th>Sat</th></tr>
					</thead>
					<tbody>
${weeks.join("")}					</tbody>
				</table>
			</div>
		</div>
	</div>
</div>`
  return renderShell({
    title: [trackName, "Practice Sessions"],
    stylesheets: ["/css/practice/practice.calendar.css"],
    scripts: ["/js/practice/practice.calendar.min.js"],
    trackSite: true,
    content
  })
}
