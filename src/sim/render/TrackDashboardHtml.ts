import type { TrackDashboard } from "../../liverc/models/TrackDashboard.ts"
import { html, thousands } from "../LiveRcFormat.ts"
import type { DashboardExtras } from "../SyntheticTracks.ts"
import { renderShell } from "./PageShell.ts"

/**
 * A track dashboard as on canberraoffroad/bbrcc: the four status panels, the About panel with an
 * `<address>` (name, street, town line, country, then `P:`/`W:`/`E:` lines, the e-mail hidden
 * behind `noSpam()` and HTML entities), the Google map iframe, Lifetime Track Stats, Facebook.
 */

const entityEncode = (text: string) => [...text].map((c) => `&#${c.codePointAt(0)};`).join("")

const statusPanel = (href: string, color: string, icon: string, huge: string, stats: string, footer: string) => `	<a href="${href}">
		<div class="col-lg-3 col-md-6 col-xs-6">
			<div class="panel ${color}">
				<div class="panel-heading">
					<div class="row">
						<div class="col-xs-3">
							<i class="fa ${icon} fa-4x"></i>
						</div>
						<div class="col-xs-9 text-right">
							<div class="huge">${huge}</div>
							<div class="stats">${stats}</div>
						</div>
					</div>
				</div>
				<div class="panel-footer">
					<span class="pull-left"><u>${footer}</u></span>
					<span class="pull-right"><i class="fa fa-arrow-circle-right"></i></span>
					<div class="clearfix"></div>
				</div>
			</div>
		</div>
	</a>
`

const addressBlock = (model: TrackDashboard, extras: DashboardExtras) => {
  const lines = extras.postalLines
  const phone = model.phone === null
    ? `<br><abbr title="Phone">P:</abbr> N/A`
    : `<br><abbr title="Phone">P:</abbr> <a href="tel:${html(model.phone)}">${html(model.phone)}</a>`
  const website = model.website === null
    ? ""
    : `<br><abbr title="Website">W:</abbr> <a href="${html(model.website)}" target="_blank">${html(model.website)}</a>`
  const email = extras.emailParts === null
    ? ""
    : `<br><abbr title="E-Mail">E:</abbr> <a href="javascript:noSpam('${extras.emailParts[0]}', '${extras.emailParts[1]}');" target="_blank">${
      entityEncode(`${extras.emailParts[0]}@${extras.emailParts[1]}`)
    }</a>`
  return `						<address class="small">
							<strong>${html(model.name ?? "")}</strong>
${lines.map((line) => `							<br>${html(line)}\n`).join("")}							<br>
							${phone}
							${website}
							${email}
						</address>`
}

const mapQuery = (model: TrackDashboard, extras: DashboardExtras) => {
  const center = model.latitude === null || model.longitude === null
    ? ""
    : `&center=${model.latitude.toFixed(6)},${model.longitude.toFixed(6)}`
  return `q=${html([extras.postalLines[0], model.city ?? "", `+${model.postcode ?? ""}`, extras.countryCode].join(","))}${center}`
}

export interface DashboardView {
  readonly model: TrackDashboard
  readonly extras: DashboardExtras
}

export const renderTrackDashboard = ({ extras, model }: DashboardView): string => {
  const name = model.name ?? ""
  const stat = (value: number | null) => (value === null ? "" : thousands(value))
  const content = `<div class="row page-breadcrumb">
	<div class="col-lg-12">
		<h1 class="page-header"><span class="fa fa-dashboard"></span> ${html(name)}'s Dashboard</h1>
	</div>
</div>

<!-- Dashboard -->
<div class="row dashboard_panels">
	
	<!-- Live -->
${statusPanel("/live/", "panel-red", "fa-hourglass", `<i class="fa fa-times"></i>`, "Track is Offline", "Go to Live Interface")}	
	<!-- Results -->
${statusPanel("/results/", "panel-green", "fa-list-ol", "0", "Results This Month", "View Current Event")}	
	<!-- Practice -->
${statusPanel("/practice/", "panel-primary", "fa-clock-o", "0", "Sessions This Month", "View Practice Sessions")}	
	<!-- Videos -->
${statusPanel("/videos/", "panel-yellow", "fa-video-camera", "0", "Videos This Month", "Watch Videos")}	
</div>

<div class="row">
	
	<div class="col-lg-8">
		
		<!-- About -->
		<div class="panel panel-default">
			<div class="panel-heading"><i class="fa fa-flag fa-fw"></i> About ${html(name)}</div>
			<div class="panel-body">
				
				<div class="row">
					<div class="col-sm-4">
${addressBlock(model, extras)}
					</div>
					
					<div class="col-sm-8">
${model.logoUrl === null ? "" : `						<p class="text-right"><img src="${html(model.logoUrl)}" /></p>\n`}					</div>
				</div>
				
			</div>
			<!-- /.panel-body -->
		</div>
		
		<!-- Track Map -->
		<div class="panel panel-default">
			<div class="panel-heading"><i class="fa fa-map-marker fa-fw"></i> Track Map</div>
			<div class="panel-body no-padding">
				<iframe width="100%" onload="$(this).css('height', ($(this).width()*.6)+'px');" frameborder="0" style="border: 0" src="https://www.google.com/maps/embed/v1/place?key=SIMULATOR&${
    mapQuery(model, extras)
  }" allowfullscreen></iframe>
			</div>
			<!-- /.panel-body -->
		</div>
		
	</div>
	
	<div class="col-lg-4">
		
		<!-- Lifetime Track Stats -->
		<div class="panel panel-default">
			<div class="panel-heading"><i class="fa fa-line-chart fa-fw"></i> Lifetime Track Stats</div>
			<div class="panel-body no_padding">
				
				<table class="table">
					<tbody>
						<tr>
							<th>Laps</th>
							<td class="text-right">${stat(model.stats.laps)}</td>
						</tr>
						<tr>
							<th>Practice Sessions</th>
							<td class="text-right">${stat(model.stats.practiceSessions)}</td>
						</tr>
						<tr>
							<th>Races</th>
							<td class="text-right">${stat(model.stats.races)}</td>
						</tr>
						<tr>
							<th>Entries</th>
							<td class="text-right">${stat(model.stats.entries)}</td>
						</tr>
						<tr>
							<th>Events</th>
							<td class="text-right">${stat(model.stats.events)}</td>
						</tr>
					</tbody>
				</table>
				
			</div>
		</div>
		
		<!-- Facebook -->
${
    model.facebookUrl === null ? "" : `		<div class="panel panel-default">
			<div class="panel-heading"><i class="fa fa-facebook-square fa-fw"></i> Facebook Page</div>
			<div class="panel-body no-padding">
				<p class="padding_container"><a href="${html(model.facebookUrl)}" target="_blank">${html(model.facebookUrl)}</a></p>
			</div>
		</div>
`
  }		
	</div>
	
</div>`
  return renderShell({
    title: [name, "Broadcast and Results"],
    stylesheets: ["/css/dashboard/dashboard.default.css"],
    scripts: [],
    trackSite: true,
    content
  })
}
