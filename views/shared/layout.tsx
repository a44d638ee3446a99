/** What every dashboard page shares: the head (styles, scripts, htmx settings) and the page links. */
import type { Refresh } from "../../lib/serve/overview_view.ts";

/** htmx settings: no eval, no script tags, no injected styles (the CSP forbids them), settle at once. */
export const HTMX_CONFIG = JSON.stringify({
  allowEval: false,
  allowScriptTags: false,
  includeIndicatorStyles: false,
  defaultSettleDelay: 0,
  historyEnabled: false,
  selfRequestsOnly: true,
});

/** The pages of the dashboard, in sidebar order. */
export const PAGES = [
  { path: "/", label: "Overview" },
  { path: "/kafka", label: "Kafka reports" },
] as const;

/** The <head> of a page: its title, the CSS and the scripts (all from /static), no-JS refresh. */
export function Head({ title, refresh }: { title: string; refresh: Refresh }) {
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
export function PageLinks({ current, refresh }: { current: string; refresh: Refresh }) {
  return (
    <nav class="pages" aria-label="Pages">
      {PAGES.map((page) => (
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
