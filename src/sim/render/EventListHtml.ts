import type { EventList } from "../../liverc/models/EventList.ts"
import { html, shortDate, sortableDateTime } from "../LiveRcFormat.ts"
import { renderShell, t } from "./PageShell.ts"

/**
 * A track's archived events (`/events` and `/results/`): every event in the static `table#events`
 * (the DataTable only pages it in the browser), the start in a hidden sort span before the date.
 */

const headers = `${t(6)}<tr>
${t(7)}<th>Event Name</th>
${t(7)}<th>Date</th>
${t(7)}<th># Entries</th>
${t(7)}<th># Drivers</th>
${t(6)}</tr>
`

export const renderEventList = ({ model, trackName }: { readonly trackName: string; readonly model: EventList }): string => {
  const rows = model.events.map((event) => `${t(6)}<tr>
${t(7)}<td><a href="/results/?p=view_event&id=${event.eventId}">${html(event.name)}</a></td>
${t(7)}<td><span class="hidden">${sortableDateTime(event.startsAt)}</span>${shortDate(event.startsAt)}</td>
${t(7)}<td>${event.entries}</td>
${t(7)}<td>${event.drivers}</td>
${t(6)}</tr>
`).join("")
  const content = `<script>
	$(document).ready(function()
	{
		$('#events').DataTable(
		{
			'responsive': true,
			'order': [[1, 'desc']],
			'pageLength': 10
		});
	});
</script>

<div class="row page-breadcrumb">
	<div class="col-lg-12">
		<h1 class="page-header"><span class="fa fa-calendar"></span> ${html(trackName)}'s Events</h1>
	</div>
</div>

<div class="row">
	<div class="col-lg-12">
		<div class="panel panel-default">
			<div class="panel-heading"><i class="fa fa-calendar"></i> Event List</div>
			<div class="panel-body no_padding">
				<div class="table-responsive">
					<table id="events" class="table table-striped" width="100%">
						<thead>
${headers}						</thead>
						<tfoot>
${headers}						</tfoot>
						<tbody>
${rows}						</tbody>
					</table>
				</div>
			</div>
		</div>
	</div>
</div>`
  return renderShell({
    title: [trackName, "Archived Results"],
    stylesheets: [
      "/css/results/results.global.css",
      "/vendor/datatables/css/dataTables.bootstrap.min.css",
      "/vendor/datatables-responsive/dataTables.responsive.css"
    ],
    scripts: [
      "/vendor/datatables/js/jquery.dataTables.min.js",
      "/vendor/datatables-plugins/dataTables.bootstrap.min.js",
      "/vendor/datatables-responsive/dataTables.responsive.js"
    ],
    trackSite: true,
    content
  })
}
