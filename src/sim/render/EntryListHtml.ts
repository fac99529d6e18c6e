import type { EntryList } from "../../liverc/models/EntryList.ts"
import { html, shortDate } from "../LiveRcFormat.ts"
import { eventBreadcrumb, renderShell, t } from "./PageShell.ts"

/**
 * An entry list (no real capture exists; built to the conventions of notes §1.8): class tabs in
 * `ul.nav.nav-pills` whose hrefs end in `_tab_{N}`, one `div.tab-pane` per class holding a table
 * whose first header row carries `div.class_header`, rows of car number, driver (with a hidden
 * sort span) and transponder (empty when unknown).
 */

/** Sort key LiveRC hides before the name: surname first. */
const sortKey = (name: string) => {
  const parts = name.split(" ")
  return [...parts.slice(1), parts[0] ?? ""].join(" ")
}

export interface EntryListView {
  readonly trackName: string
  readonly eventId: string
  readonly eventName: string
  readonly eventDate: string
  readonly model: EntryList
}

export const renderEntryList = (view: EntryListView): string => {
  const tabBase = 10_000 + (Number(view.eventId) % 80_000)
  const tabs = view.model.classes.map((cls, i) =>
    `${t(4)}<li${i === 0 ? ` class="active"` : ""}><a href="#class_tab_${tabBase + i}" data-toggle="tab">${html(cls.className)}</a></li>\n`
  ).join("")
  const panes = view.model.classes.map((cls, i) => `${t(4)}<div class="tab-pane fade${i === 0 ? " in active" : ""}" id="class_tab_${tabBase + i}">
${t(5)}<div class="table-responsive">
${t(6)}<table class="table table-striped entry_list" cellspacing="0" width="100%">
${t(7)}<thead>
${t(8)}<tr>
${t(9)}<th colspan="3"><div class="class_header">${html(cls.className)}</div> <span class="class_sub_header">Entries: ${cls.entries.length}</span></th>
${t(8)}</tr>
${t(8)}<tr>
${t(9)}<th>#</th>
${t(9)}<th>Driver</th>
${t(9)}<th>Transponder</th>
${t(8)}</tr>
${t(7)}</thead>
${t(7)}<tbody>
${
    cls.entries.map((entry) => `${t(8)}<tr>
${t(9)}<td>${html(entry.carNumber ?? "")}</td>
${t(9)}<td><span class="hidden">${html(sortKey(entry.driverName))}</span>${html(entry.driverName)}</td>
${t(9)}<td>${html(entry.transponder ?? "")}</td>
${t(8)}</tr>
`).join("")
  }${t(7)}</tbody>
${t(6)}</table>
${t(5)}</div>
${t(4)}</div>
`).join("")
  const content = `${eventBreadcrumb(view.trackName, view.eventName, shortDate(view.eventDate))}
<div class="row">
	<div class="col-lg-12">
		<div class="panel panel-default">
			<div class="panel-heading"><i class="fa fa-bars fa-fw"></i> Entry List</div>
			<div class="panel-body">
				<ul class="nav nav-pills">
${tabs}				</ul>
				<div class="tab-content">
${panes}				</div>
			</div>
		</div>
	</div>
</div>`
  return renderShell({
    title: [view.trackName, view.eventName, "Entry List"],
    stylesheets: ["/css/results/results.global.css", "/css/results/results.view_entry_list.css"],
    scripts: ["/js/results/results.view_entry_list.min.js"],
    trackSite: true,
    content
  })
}
