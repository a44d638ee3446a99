/** The /kafka page: the report topics' current values, the same panels its fragments render. */
import type { ReportsView } from "../../lib/serve/kafka_view.ts";
import { Controls } from "../shared/controls.tsx";
import { ReportsBannerPanel } from "./banner.tsx";
import { ReportsChartsPanel } from "./charts.tsx";
import { ReportsKpiPanel } from "./kpis.tsx";
import { ReportsTablesPanel } from "./tables.tsx";
import { ReportsTopicsPanel } from "./topics.tsx";
import { Head, PageLinks } from "../shared/layout.tsx";

/** The whole /kafka page for one view. */
export function ReportsPage({ view }: { view: ReportsView }) {
  return (
    <html lang="en">
      <Head title="Sales reports on Kafka" refresh={view.refresh} />
      <body>
        <aside class="sidebar">
          <h1>Sales</h1>
          <PageLinks current="/kafka" refresh={view.refresh} />
          <Controls refresh={view.refresh} action="/kafka" />
          <ReportsTopicsPanel view={view} />
        </aside>
        <main class="content">
          <div id="server-offline" class="banner" role="alert" hidden>
            The dashboard server is not answering; the numbers below are not updating.
          </div>
          <ReportsBannerPanel view={view} />
          <ReportsKpiPanel view={view} />
          <ReportsChartsPanel view={view} />
          <ReportsTablesPanel view={view} />
        </main>
      </body>
    </html>
  );
}
