import { html, shortDate } from "../LiveRcFormat.ts"
import type { MultiMainTable, OverallTable, PointsTable, RankingTable } from "../SyntheticStandings.ts"
import { eventBreadcrumb, renderShell, t } from "./PageShell.ts"

/**
 * The event's standings pages in the shapes of notes §1.10-§1.13: multi-main (`table.multi_main`,
 * `Tie Breaker`/`Completed` sub headers, `1st (1pts) : 16/10:01.133` cells), qualifying points
 * (one table per class, `span.class_header`, `#`/`Driver`/`Result`/`Round N`), round ranking
 * (class name before each table, `16/10:32.136`) and overall ranking (`.class_header`,
 * `Pos`/`Driver`/`Race`/`Result` with `[2] [1] 17/10:02.843`).
 */

export interface StandingsContext {
  readonly trackName: string
  readonly eventName: string
  readonly eventDate: string
}

const cells = (tag: "td" | "th", values: ReadonlyArray<string | number>, indent: number) =>
  values.map((value) => `${t(indent)}<${tag}>${typeof value === "number" ? value : html(value)}</${tag}>\n`).join("")

const page = (context: StandingsContext, title: string, icon: string, body: string) =>
  renderShell({
    title: [context.trackName, context.eventName, title],
    stylesheets: ["/css/results/results.global.css"],
    scripts: [],
    trackSite: true,
    content: `${eventBreadcrumb(context.trackName, context.eventName, shortDate(context.eventDate))}
<div class="row">
	<div class="col-lg-12">
		<div class="panel panel-default">
			<div class="panel-heading"><i class="fa ${icon}"></i> ${html(title)}</div>
			<div class="panel-body no_padding">
${body}			</div>
		</div>
	</div>
</div>`
  })

export const renderMultiMain = (context: StandingsContext, table: MultiMainTable): string =>
  page(context, `${table.className} Results`, "fa-trophy", `${t(4)}<div class="table-responsive">
${t(5)}<table class="table table-striped multi_main" width="100%">
${t(6)}<thead>
${t(7)}<tr>
${t(8)}<th colspan="${4 + table.mainLabels.length}"><span class="class_header">${html(table.className)}</span><br /><div class="class_sub_header">Tie Breaker: Best Finish</div><div class="class_sub_header">${table.completed}</div></th>
${t(7)}</tr>
${t(7)}<tr>
${cells("th", ["Pos", "Seeded", "Driver", "Points", ...table.mainLabels], 8)}${t(7)}</tr>
${t(6)}</thead>
${t(6)}<tbody>
${
    table.rows.map((row) =>
      `${t(7)}<tr>\n${cells("td", [row.position, row.seeded ?? "", row.driver, row.points, ...row.mains], 8)}${t(7)}</tr>\n`
    ).join("")
  }${t(6)}</tbody>
${t(5)}</table>
${t(4)}</div>
`)

export const renderPoints = (context: StandingsContext, tables: ReadonlyArray<PointsTable>): string =>
  page(
    context,
    "Qualifying Points",
    "fa-th",
    tables.map((table) => {
      const rounds = Array.from({ length: table.rounds }, (_, i) => `Round ${i + 1}`)
      return `${t(4)}<div class="table-responsive">
${t(5)}<table class="table table-striped" width="100%">
${t(6)}<thead>
${t(7)}<tr>
${t(8)}<th colspan="${3 + table.rounds}"><span class="class_header">${html(table.className)}</span></th>
${t(7)}</tr>
${t(7)}<tr>
${cells("th", ["#", "Driver", "Result", ...rounds], 8)}${t(7)}</tr>
${t(6)}</thead>
${t(6)}<tbody>
${
        table.rows.map((row) =>
          `${t(7)}<tr>\n${cells("td", [row.position, row.driver, row.points, ...row.roundCells], 8)}${t(7)}</tr>\n`
        ).join("")
      }${t(6)}</tbody>
${t(5)}</table>
${t(4)}</div>
`
    }).join("")
  )

export const renderRoundRanking = (context: StandingsContext, round: number, tables: ReadonlyArray<RankingTable>): string =>
  page(
    context,
    `Qualifier Round ${round} Rankings`,
    "fa-list-ol",
    tables.map((table) => `${t(4)}<h4>${html(table.className)}</h4>
${t(4)}<table class="table table-striped" width="100%">
${t(5)}<thead>
${t(6)}<tr>
${cells("th", ["Pos", "Driver", "Laps/Time"], 7)}${t(6)}</tr>
${t(5)}</thead>
${t(5)}<tbody>
${table.rows.map((row) => `${t(6)}<tr>\n${cells("td", [row.position, row.driver, row.value], 7)}${t(6)}</tr>\n`).join("")}${t(5)}</tbody>
${t(4)}</table>
`).join("")
  )

export const renderOverallRanking = (context: StandingsContext, tables: ReadonlyArray<OverallTable>): string =>
  page(
    context,
    "Final Results",
    "fa-trophy",
    tables.map((table) => `${t(4)}<table class="table table-striped" width="100%">
${t(5)}<thead>
${t(6)}<tr>
${t(7)}<th colspan="4"><span class="class_header">${html(table.className)}</span></th>
${t(6)}</tr>
${t(6)}<tr>
${cells("th", ["Pos", "Driver", "Race", "Result"], 7)}${t(6)}</tr>
${t(5)}</thead>
${t(5)}<tbody>
${
      table.rows.map((row) => `${t(6)}<tr>\n${cells("td", [row.position, row.driver, row.race, row.result], 7)}${t(6)}</tr>\n`)
        .join("")
    }${t(5)}</tbody>
${t(4)}</table>
`).join("")
  )
