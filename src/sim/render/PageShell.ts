import { html } from "../LiveRcFormat.ts"

/**
 * The frame every LiveRC page shares (head, navigation bar, side menu, page wrapper, loading
 * overlay, script tags), in the layout of the raw captured race page. Only the content differs.
 */

const tabRuns = Array.from({ length: 32 }, (_, n) => "\t".repeat(n))

/** `n` tabs: LiveRC's raw pages are tab-indented, and renderers ask for indents constantly. */
export const t = (n: number): string => tabRuns[n] ?? "\t".repeat(n)

export interface ShellOptions {
  /** `<title>` parts, joined with ` :: ` and suffixed with `LiveRC`. */
  readonly title: ReadonlyArray<string>
  /** Page-specific stylesheets under `/css/` and `/vendor/`. */
  readonly stylesheets: ReadonlyArray<string>
  /** Page-specific scripts loaded at the end. */
  readonly scripts: ReadonlyArray<string>
  /** Whether the side menu links a track's pages (the catalogue has none). */
  readonly trackSite: boolean
  readonly content: string
}

const version = "1272"

const sideMenu = (trackSite: boolean) =>
  trackSite
    ? `						<li><a href="//live.liverc.com"><i class="fa fa-road fa-fw"></i> Switch Tracks</a></li>
						
				<li><a href="/"><i class="fa fa-dashboard fa-fw"></i> Track Dashboard</a></li>
				
				<li><a href="/live/"><i class="fa fa-hourglass fa-fw"></i> Watch Live</a></li>
				
				<li><a href="/results/"><i class="fa fa-list-ol fa-fw"></i> Race Results</a></li>
				
								<li><a href="/practice/"><i class="fa fa-clock-o fa-fw"></i> Practice Times</a></li>
				
				<li><a href="/track_map/"><i class="fa fa-globe fa-fw"></i> Live Track Map</a></li>
`
    : `						<li><a href="//live.liverc.com"><i class="fa fa-road fa-fw"></i> Tracks</a></li>
						<li><a href="//live.liverc.com/events/calendar/"><i class="fa fa-calendar fa-fw"></i> Event Calendar</a></li>
`

export const renderShell = (options: ShellOptions): string => `<!DOCTYPE html>
<html lang="en">

	<head>
		
		<!-- Document Type -->
		<meta charset="utf-8" />
		<meta http-equiv="Content-Language" content="en-us" />
		<meta http-equiv="Content-Type" content="text/html; charset=UTF-8" />
		<meta http-equiv="X-UA-Compatible" content="IE=edge" />
		<meta name="format-detection" content="telephone=no" />
		<meta name="viewport" content="width=device-width, initial-scale=1" />
		
		<!-- Page Info -->
		<title>${html([...options.title, "LiveRC"].join(" :: "))}</title>
		<meta name="Copyright" content="2014-2026 LiveRC" />
		<meta name="Description" content="Live and archived results, scoring, and video on LiveRC.com." />
		<meta name="robots" content="index, follow" />
		
		<!-- Thumbnails and Icons -->
		<link rel="icon" type="image/x-ico" href="//assets.liveracemedia.com/images/static/favicon.png" />
		<link rel="shortcut icon" type="image/x-icon" href="//assets.liveracemedia.com/images/static/favicon.png" />
		
		<!-- Bootstrap Core CSS -->
		<link href="/vendor/bootstrap/css/bootstrap.min.css" rel="stylesheet" />
		
		<!-- Bootstrap Theme CSS -->
		<link href="/vendor/sb-admin-2/css/sb-admin-2.css" rel="stylesheet" />
		
		<!-- Custom Fonts -->
		<link rel="stylesheet" type="text/css" href="/vendor/font-awesome/css/font-awesome.min.css" />
		<link rel="stylesheet" type="text/css" href="//fonts.googleapis.com/css?family=Open+Sans|Open+Sans+Condensed:300" />
		
		<!-- CSS Files -->
		<link rel="stylesheet" type="text/css" media="screen" href="/css/global/global.default.css?${version}" />
${
  options.stylesheets.map((href) =>
    `												<link rel="stylesheet" type="text/css" media="screen" href="${href}?${version}" />\n`
  ).join("")
}							
		<!-- jQuery -->
		<script src="//assets.liveracemedia.com/lib/jquery/jquery.min.js"></script>
		
		<script type="text/javascript">
			var domain = 'liverc.com';
		</script>
	</head>
	
	<body>
		
		<!-- Current User -->
		<pre class="hidden" id="user_profile_data">false</pre>
		
		<!-- Wrapper -->
		<div id="wrapper">
		
			<!-- Navigation -->
			<nav class="navbar navbar-default navbar-static-top" role="navigation" style="margin-bottom: 0;">
				<div class="navbar-header fixed">
					<a class="navbar-brand" href="/"><div id="LRC-logo"></div></a>
					
						<button type="button" class="navbar-toggle" data-toggle="collapse" data-target=".navbar-collapse">
							<span class="sr-only">Toggle navigation</span>
							<span class="icon-bar"></span>
							<span class="icon-bar"></span>
							<span class="icon-bar"></span>
						</button>
						
				</div>
				
				<div class="navbar-default sidebar" role="navigation">
	<div class="sidebar-nav navbar-collapse collapse">
		<ul class="nav" id="side-menu">
			
			<li>
				<div style="display: table-cell; width: 1%">&nbsp;&nbsp;&nbsp;&nbsp;&nbsp;</div>
			</li>

${sideMenu(options.trackSite)}			
			<li><a href="https://www.livetimescoring.com" target="_blank"><i class="fa fa-download fa-fw"></i> Get LiveTime</a></li>
			
		</ul>
		
		<!-- Powered By LiveTime -->
		<a href="https://www.livetimescoring.com" target="_blank">
			<div id="powered_by_livetime">
				<div class="txt">Data Powered By</div>
				<div class="logo"><img src="//assets.liveracemedia.com/images/logos/livetime_powered_by.png"></div>
			</div>
		</a>
	</div>
	
	</div>
				
			</nav>
			
			<div id="page-wrapper">
				
${options.content}
				
			</div>
			<!-- /#page-wrapper -->
			
		</div>
		<!-- /#wrapper -->

				
		<!-- Modals -->
		<div id="modals"></div>
		
		<!-- Loading interface screen -->
		<div id="loading_overlay">
			<div id="user_status_modal" class="modal show" role="dialog">
				<div class="vertical-alignment-helper">
					<div class="modal-dialog vertical-align-center">
						<div class="modal-content">
							<div class="modal-body text-center">
								<p><img src="//assets.liveracemedia.com/images/logos/liveracemedia_primary_logo.png" width="250" /></p>
								<p><img src="//assets.liveracemedia.com/images/static/loading.svg" width="75" /></p>
								<p><strong>LOADING INTERFACE...</strong></p>
							</div>
						</div>
					</div>
				</div>
			</div>
		</div>
		
		<!-- JavaScript Files -->
		<script src="/js/global/global.default.min.js?${version}"></script>
		<script src="/js/global/global.content_page.min.js?${version}"></script>
		<script src="/js/user/user.default.min.js?${version}"></script>
		<script src="/vendor/js-cookie/js-cookie.js?${version}"></script>
		
${options.scripts.map((src) => `					<script type="text/javascript" src="${src}?${version}"></script>\n`).join("")}				
		<!-- Bootstrap Core JavaScript -->
		<script src="/vendor/bootstrap/js/bootstrap.min.js"></script>
		
		<!-- Metis Menu Plugin JavaScript -->
		<script src="/vendor/metisMenu/metisMenu.min.js"></script>
		
		<!-- Custom Theme JavaScript -->
		<script src="/vendor/sb-admin-2/js/sb-admin-2.js"></script>
		
	</body>
</html>
`

/** The breadcrumb block of event-level pages: track (h1), event (h3), date (h5). */
export const eventBreadcrumb = (trackName: string, eventName: string, dateText: string, extra = "") => `<div class="row page-breadcrumb">
	<div class="col-lg-12">
		<h1 class="page-header"><span class="fa fa-road"></span> ${html(trackName)}</h1>
		<div class="clearfix">
			<h3 class="page-header text-nowrap pull-left"><span class="fa fa-list-ol"></span> ${html(eventName)}</h3>
			<h5 class="page-header text-nowrap pull-left"><span class="fa fa-calendar"></span> ${html(dateText)}</h5>
		</div>${extra}
	</div>
</div>
`

/** The breadcrumb of track-level pages: one h1. */
export const trackBreadcrumb = (icon: string, title: string) => `<div class="row page-breadcrumb">
	<div class="col-lg-12">
		<h1 class="page-header"><span class="fa ${icon}"></span> ${html(title)}</h1>
	</div>
</div>
`
