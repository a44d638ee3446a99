/** The full dashboard page: the same panels the fragments render, in a sidebar layout. */
import type { DashboardView } from "../../lib/serve/overview_view.ts";
import { BannerPanel } from "./banner.tsx";
import { ChartsPanel } from "./charts.tsx";
import { Controls } from "../shared/controls.tsx";
import { FreshnessPanel } from "./freshness.tsx";
import { KpiPanel } from "./kpis.tsx";
import { Head, PageLinks } from "../shared/layout.tsx";
import { TablesPanel } from "./tables.tsx";

/** The whole page for one view. */
export function DashboardPage({ view }: { view: DashboardView }) {
  return (
    <html lang="en">
      <Head title="Sales dashboard" refresh={view.refresh} />
      <body>
        <aside class="sidebar">
          <h1>Sales</h1>
          <PageLinks current="/" refresh={view.refresh} />
          <Controls refresh={view.refresh} action="/" />
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
