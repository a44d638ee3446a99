/** What every dashboard page shares: the head (styles, scripts, htmx settings), the links and the shell. */
import type { Child } from "hono/jsx";
import type { Refresh } from "./refresh.ts";
import type { RangeChoice } from "./url_selection.ts";
import { Controls } from "./controls.tsx";

/** htmx settings: no eval, no script tags, no injected styles (the CSP forbids them), settle at once. */
const HTMX_CONFIG = JSON.stringify({
  allowEval: false,
  allowScriptTags: false,
  includeIndicatorStyles: false,
  defaultSettleDelay: 0,
  historyEnabled: false,
  selfRequestsOnly: true,
});

/** A link in the sidebar to one of the pages. */
export interface PageLink {
  path: string;
  label: string;
}

/** The <head> of a page: its title, the CSS and the scripts (all from /static), no-JS refresh. */
function Head({ title, refresh }: { title: string; refresh: Refresh }) {
  return (
    <head>
      <meta charset="utf-8" />
      <meta name="viewport" content="width=device-width, initial-scale=1" />
      <meta name="htmx-config" content={HTMX_CONFIG} />
      <title>{title}</title>
      <link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />
      <link rel="stylesheet" href="/static/dashboard.css" />
      <script src="/static/vendor/htmx.min.js" defer></script>
      <script src="/static/vendor/chart.umd.js" defer></script>
      <script src="/static/vendor/chartjs-chart-geo.umd.js" defer></script>
      <script src="/static/dashboard.js" defer></script>
      {refresh !== "off" && (
        <noscript>
          <meta http-equiv="refresh" content={refresh} />
        </noscript>
      )}
    </head>
  );
}

/** Links between the pages; each keeps the chosen interval (static/dashboard.js updates them). */
function PageLinks(
  { links, current, refresh }: { links: readonly PageLink[]; current: string; refresh: Refresh },
) {
  return (
    <nav class="pages" aria-label="Pages">
      {links.map((page) => (
        <a
          href={`${page.path}?refresh=${refresh}`}
          data-keep-refresh
          aria-current={page.path === current ? "page" : undefined}
        >
          {page.label}
        </a>
      ))}
    </nav>
  );
}

/** The frame of every page: sidebar (title, links, controls, the page's own part) and content. */
export function PageShell(props: {
  title: string;
  path: string;
  refresh: Refresh;
  links: readonly PageLink[];
  sidebar: Child;
  children: Child;
  /** the page's time range control and active filters (pages that have them) */
  controls?: { range: RangeChoice; filters: { name: string; value: string }[] };
}) {
  return (
    <html lang="en">
      <Head title={props.title} refresh={props.refresh} />
      <body>
        <aside class="sidebar">
          <h1>Sales</h1>
          <PageLinks links={props.links} current={props.path} refresh={props.refresh} />
          <Controls
            refresh={props.refresh}
            action={props.path}
            range={props.controls?.range}
            filters={props.controls?.filters}
          />
          {props.sidebar}
        </aside>
        <main class="content">
          <div id="server-offline" class="banner" role="alert" hidden>
            The dashboard server is not answering; the numbers below are not updating.
          </div>
          {props.children}
        </main>
      </body>
    </html>
  );
}
