/** The /kafka page's polled panels: notes, the report tiles beside PostgreSQL's counts, charts and tables. */
import { formatCount, formatMoney } from "../../lib/core/money.ts";
import type { ReportCustomer, ReportGroup, ReportsView } from "./model.ts";
import { ChartCards } from "../shared/charts.tsx";
import { KpiTiles } from "../shared/kpis.tsx";
import { Polled } from "../shared/polled.tsx";
import { TableCard } from "../shared/table.tsx";

/** Kafka unreachable, no report data yet, or PostgreSQL unreachable; empty (still polled) when all is well. */
export function ReportsBannerPanel({ view }: { view: ReportsView }) {
  const notice = view.notice;
  return (
    <Polled name="kafka-banner" refresh={view.refresh} class="banner-slot">
      {notice && (
        <div
          class={notice.kind === "kafka" ? "banner" : "note"}
          role={notice.kind === "kafka" ? "alert" : "status"}
          data-notice={notice.kind}
        >
          {notice.text}
        </div>
      )}
      {view.problem && (
        <div class="banner" role="alert" data-problem="database">
          <strong>{view.problem}.</strong>{" "}
          The PostgreSQL counts are the last ones read; retrying on every refresh.
        </div>
      )}
    </Polled>
  );
}

/** total_sales_summary from Kafka, and the counts PostgreSQL holds beside it. */
export function ReportsKpiPanel({ view }: { view: ReportsView }) {
  return (
    <Polled name="kafka-kpis" refresh={view.refresh} class="kpi-groups">
      <section class="kpi-group" data-source="kafka">
        <h2>Report topic {view.prefix}total_sales_summary</h2>
        <div class="kpis">
          <KpiTiles kpis={view.kpis} empty="No report data yet." />
        </div>
      </section>
      <section class="kpi-group" data-source="postgres">
        <h2>PostgreSQL sales_totals</h2>
        <div class="kpis">
          <KpiTiles kpis={view.postgres} empty="PostgreSQL has not been read yet." />
        </div>
      </section>
    </Polled>
  );
}

/** The charts of the report topics, drawn by static/dashboard.js like the overview's. */
export function ReportsChartsPanel({ view }: { view: ReportsView }) {
  return (
    <Polled name="kafka-charts" refresh={view.refresh} class="charts">
      <ChartCards charts={view.charts} />
    </Polled>
  );
}

/** customer_insights' top customers (masked) and sales_by_category. */
export function ReportsTablesPanel({ view }: { view: ReportsView }) {
  return (
    <Polled name="kafka-tables" refresh={view.refresh} class="tables">
      <TableCard<ReportCustomer>
        title="Top customers by purchases (customer_insights)"
        name="report-customers"
        rows={view.customers}
        rowData={(c) => ({ "customer-key": c.key })}
        empty="No customers reported yet."
        columns={[
          { header: "Customer", cell: (c) => c.customer, data: () => ({ customer: "" }) },
          {
            header: "Purchases",
            numeric: true,
            cell: (c) => formatCount(c.purchases),
            data: (c) => ({ purchases: String(c.purchases) }),
          },
          {
            header: "Total spent",
            numeric: true,
            cell: (c) => formatMoney(c.totalSpent),
            data: (c) => ({ "total-spent": c.totalSpent }),
          },
          {
            header: "Average purchase",
            numeric: true,
            cell: (c) => formatMoney(c.averagePurchase),
            data: (c) => ({ average: c.averagePurchase }),
          },
        ]}
      />
      <TableCard<ReportGroup>
        title="Sales by category (sales_by_category)"
        name="report-categories"
        rows={view.categories}
        rowData={(c) => ({ category: c.label })}
        empty="No categories reported yet."
        columns={[
          { header: "Category", cell: (c) => c.label },
          { header: "Sales", numeric: true, cell: (c) => formatCount(c.sales) },
          {
            header: "Revenue",
            numeric: true,
            cell: (c) => formatMoney(c.revenue),
            data: (c) => ({ revenue: c.revenue }),
          },
          { header: "Cost", numeric: true, cell: (c) => formatMoney(c.cost) },
          { header: "Profit", numeric: true, cell: (c) => formatMoney(c.profit) },
        ]}
      />
    </Polled>
  );
}
