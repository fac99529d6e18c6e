import type { EventPage } from "../../liverc/models/EventPage.ts"
import { clockTime, html, shortDate, thousands } from "../LiveRcFormat.ts"
import { eventBreadcrumb, renderShell, t } from "./PageShell.ts"

/**
 * An event page in LiveRC's layout: three `table.entry_list_data` blocks (entry list and heat
 * sheets; overall results and rankings; race results grouped under round header rows, newest
 * first, `Race N: Class (Label)` link text and `Time Completed`), and the Event Stats card.
 */

const linkRow = (href: string, icon: string, text: string, clickable = false) =>
  `${t(6)}<tr${clickable ? ` class="clickable-row" data-href="${href}"` : ""}>
${t(7)}<td>
${t(8)}<a href="${href}" class="block"><i class="fa ${icon}"></i> ${html(text)}</a>
${t(7)}</td>
${t(6)}</tr>
`

const linkTable = (title: string, rows: string, colspan = "") =>
  `${t(4)}<div class="table-responsive">
${t(5)}<table class="table table-hover entry_list_data">
${t(6)}<thead>
${t(7)}<tr>
${t(8)}<th${colspan}><span class="class_header">${html(title)}</span></th>
${t(7)}</tr>
${t(6)}</thead>
${t(6)}<tbody>
${rows}${t(6)}</tbody>
${t(5)}</table>
${t(4)}</div>
`

const completedText = (completedAt: string | null) =>
  completedAt === null ? "" : `${shortDate(completedAt)} at ${clockTime(completedAt)}`

const raceRows = (page: EventPage): string => {
  const out: Array<string> = []
  let round: string | undefined
  for (const race of page.races) {
    if (race.round !== round) {
      round = race.round
      out.push(`${t(6)}<tr>\n${t(7)}<th>${html(race.round)}</th>\n${t(7)}<th>Time Completed</th>\n${t(6)}</tr>\n`)
    }
    out.push(`${t(6)}<tr>
${t(7)}<td>
${t(8)}<a href="/results/?p=view_race_result&id=${race.raceId}" class="block"><i class="fa fa-trophy"></i> Race ${race.raceNumber}: ${
      html(race.className)
    } (${html(race.label)})</a>
${t(7)}</td>
${t(7)}<td>${completedText(race.completedAt)}</td>
${t(6)}</tr>
`)
  }
  return out.join("")
}

export interface EventPageView {
  readonly trackName: string
  readonly model: EventPage
}

export const renderEventPage = ({ model, trackName }: EventPageView): string => {
  const rounds = [...new Set(model.races.map((race) => race.round))]
  const entryRows = (model.entryListId === null
    ? ""
    : linkRow(`/results/?p=view_entry_list&id=${model.entryListId}`, "fa-bars", "Entry List", true)) +
    rounds.map((round, i) =>
      linkRow(`/results/?p=view_heat_sheet&id=${(Number(model.eventId ?? 0) % 1e10) * 10 + i + 1}`, "fa-list", round)
    ).join("")
  const rankingRows = [
    model.overallRankingId === null
      ? ""
      : linkRow(`/results/?p=event_overall_ranking&id=${model.overallRankingId}`, "fa-trophy", "Final Results"),
    ...model.points.map((p) => linkRow(`/results/?p=view_points&id=${p.id}`, "fa-th", p.label)),
    ...model.roundRankings.map((r) =>
      linkRow(`/results/?p=view_round_ranking&id=${r.id}${r.order === null ? "" : `&o=${r.order}`}`, "fa-list-ol", r.label)
    ),
    ...model.multiMains.map((m) => linkRow(`/results/?p=view_multi_main_result&id=${m.id}`, "fa-trophy", `${m.label} Results`))
  ].join("")
  const dateText = model.dateEnd === null ? shortDate(model.date) : `${shortDate(model.date)} to ${shortDate(model.dateEnd)}`
  const content = `${
    eventBreadcrumb(
      trackName,
      model.name,
      dateText,
      `\n\t\t<a href="/events/"><i class="fa fa-calendar fa-fw"></i> <u>View results from other events</u></a>`
    )
  }
<div class="row"></div>

<div class="row">
	<div class="col-lg-8">
		<div class="panel panel-default">
			<div class="panel-heading"><i class="fa fa-list-ol fa-fw"></i> Race Lineups &amp; Results</div>
			<div class="panel-body no_padding">
${linkTable("Race Lineups & Entry List", entryRows)}
${rankingRows === "" ? "" : linkTable("Overall Results & Rankings", rankingRows)}
${linkTable("Race Results", raceRows(model), ` colspan="2"`)}
			</div>
			<!-- /.panel-body -->
		</div>
	</div>

	<div class="col-lg-4">
		<div class="card">
			<div class="card-header">
				<h2><i class="fas fa-chart-line"></i> Event Stats</h2>
			</div>
			<div class="card-body p-0">
				<table class="table table-sm table-borderless m-0">
					<tbody>
						<tr>
							<th>Race Track</th>
							<td>Offroad</td>
						</tr>
						<tr>
							<th>Registrations</th>
							<td>
								Entries: ${model.entries ?? 0}<br />
								Drivers: ${model.drivers ?? 0}
							</td>
						</tr>
						<tr>
							<th>Total Race Laps</th>
							<td>${thousands(model.totalRaceLaps ?? 0)}</td>
						</tr>
					</tbody>
				</table>
			</div>
		</div>
	</div>
</div>`
  return renderShell({
    title: [trackName, model.name],
    stylesheets: ["/css/results/results.global.css", "/css/results/results.view_event.css"],
    scripts: ["/js/results/results.view_event.min.js"],
    trackSite: true,
    content
  })
}
