import type { TrackCatalogue } from "../../liverc/models/TrackCatalogue.ts"
import { html } from "../LiveRcFormat.ts"
import { renderShell, t } from "./PageShell.ts"

/**
 * The track list at `live.liverc.com`: one `tr.clickable-row` per track in `table.track_list`,
 * protocol-relative links `//slug.liverc.com/`, the name in `<strong>`, the last activity in
 * `small small` under the status icons.
 */

export const renderTrackCatalogue = (model: TrackCatalogue): string => {
  const rows = model.tracks.map((track) => `${t(6)}<tr class="clickable-row" data-href="//${track.slug}.liverc.com/live/">
${t(7)}<td class="text-nowrap">
${t(8)}<i class="fa fa-power-off fa-fw"></i>
${track.lastActivity === null ? "" : `${t(8)}<br /><small><small>${html(track.lastActivity)}</small></small>\n`}${t(7)}</td>
${t(7)}<td>
${t(8)}<span class="hidden">seRC</span><a href="//${track.slug}.liverc.com/"><strong>${html(track.name)}</strong></a>
${t(7)}</td>
${t(6)}</tr>
`).join("")
  const content = `<script>
	$(document).ready(function()
	{
		$('.track_list').DataTable(
		{
			'responsive': true,
			'paging': false,
			'info': false
		});
	});
</script>

<div class="row">
	<div class="col-lg-6">
		<div class="panel panel-default">
			<div class="panel-heading"><i class="fa fa-road fa-fw"></i> Tracks</div>
			<div class="panel-body no_padding">
				<ul class="list-inline padding_container">
					<li><i class="fa fa-video-camera fa-fw status_video_1"></i> Live Video</li>
					<li><i class="fa fa-star fa-fw status_featured"></i> Featured Event</li>
					<li><i class="fa fa-flag-checkered fa-fw status_2"></i> Racing in Progress</li>
					<li><i class="fa fa-clock-o fa-fw status_1"></i> Open Practicing</li>
					<li><i class="fa fa-power-off fa-fw"></i> No Track Activity</li>
				</ul>

				<div class="table-responsive">
					<table class="table table-striped track_list" cellspacing="0" width="100%">
						<thead>
							<tr>
								<th class="col_min">Status</th>
								<th>Track Name</th>
							</tr>
						</thead>
						<tfoot>
							<tr>
								<th>Status</th>
								<th>Track Name</th>
							</tr>
						</tfoot>
						<tbody>
${rows}						</tbody>
					</table>
				</div>
			</div>
		</div>
	</div>
</div>`
  return renderShell({
    title: ["LiveRC", "Watch Live R/C Car Racing with Scoring and Video"],
    stylesheets: ["/vendor/datatables/css/dataTables.bootstrap.min.css"],
    scripts: ["/vendor/datatables/js/jquery.dataTables.min.js"],
    trackSite: false,
    content
  })
}
