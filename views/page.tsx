/** The full dashboard page: the same panels the fragments render, in a sidebar layout. */
import type { DashboardView } from "../lib/dashboard_view.ts";
import { BannerPanel } from "./banner.tsx";
import { ChartsPanel } from "./charts.tsx";
import { Controls } from "./controls.tsx";
import { FreshnessPanel } from "./freshness.tsx";
import { KpiPanel } from "./kpis.tsx";
import { TablesPanel } from "./tables.tsx";

/** htmx settings: no eval, no script tags, no injected styles (the CSP forbids them), settle at once. */
export const HTMX_CONFIG = JSON.stringify({
  allowEval: false,
  allowScriptTags: false,
  includeIndicatorStyles: false,
  defaultSettleDelay: 0,
  historyEnabled: false,
  selfRequestsOnly: true,
});

/** The whole page for one view. */
export function DashboardPage({ view }: { view: DashboardView }) {
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="htmx-config" content={HTMX_CONFIG} />
        <title>Sales dashboard</title>
        <link rel="icon" href="/static/favicon.svg" type="image/svg+xml" />
        <link rel="stylesheet" href="/static/dashboard.css" />
        <script src="/static/vendor/htmx.min.js" defer></script>
        <script src="/static/vendor/chart.umd.js" defer></script>
        <script src="/static/vendor/chartjs-chart-geo.umd.js" defer></script>
        <script src="/static/dashboard.js" defer></script>
        {view.refresh !== "off" && (
          <noscript>
            <meta http-equiv="refresh" content={view.refresh} />
          </noscript>
        )}
      </head>
      <body>
        <aside class="sidebar">
          <h1>Sales</h1>
          <Controls view={view} />
          <FreshnessPanel view={view} />
        </aside>
        <main class="content">
          <div id="server-offline" class="banner" role="alert" hidden>
            The dashboard server is not answering; the numbers below are not updating.
          </div>
          <BannerPanel view={view} />
          <KpiPanel view={view} />
          <ChartsPanel view={view} />
          <TablesPanel view={view} />
        </main>
      </body>
    </html>
  );
}
