/** What every dashboard page shares: the head (styles, scripts, htmx settings), the links and the shell. */
import type { Child } from "hono/jsx";
import type { Refresh } from "./refresh.ts";
import { Controls, type ControlsState } from "./controls.tsx";

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

/**
 * The frame of every page: a header (title, links), the sidebar (controls, the page's own part)
 * and the content. On a desktop the header and sidebar share the left column; on a phone the
 * header is on top, the content follows at once, and the sidebar comes after the content.
 */
export function PageShell(props: {
  title: string;
  path: string;
  refresh: Refresh;
  links: readonly PageLink[];
  sidebar: Child;
  children: Child;
  /** the page's time range control, custom dates and active filters (pages that have them) */
  controls?: ControlsState;
}) {
  return (
    <html lang="en">
      <Head title={props.title} refresh={props.refresh} />
      <body>
        <header class="topbar">
          <h1 class="brand">Sales</h1>
          <PageLinks links={props.links} current={props.path} refresh={props.refresh} />
        </header>
        <aside class="sidebar" aria-label="Controls and status">
          <Controls refresh={props.refresh} action={props.path} state={props.controls} />
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

/** The page answered (status 400) for a selection it cannot read: the sentence and a way back. */
export function SelectionErrorPage({ path, message }: { path: string; message: string }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>Cannot show this selection</title>
        <link rel="stylesheet" href="/static/dashboard.css" />
      </head>
      <body class="error-page">
        <main>
          <h1>Cannot show this selection</h1>
          <p data-selection-error>{message}.</p>
          <p>
            <a href={path}>Back to the dashboard</a>
          </p>
        </main>
      </body>
    </html>
  );
}
