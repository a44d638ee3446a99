/** The overview's polled panels: problem banner, KPI tiles, charts and tables. */
import { formatCount, formatMoney } from "../../lib/core/money.ts";
import { clock } from "../shared/display.ts";
import type { CustomerView, ProductView } from "../shared/figures.ts";
import type { OverviewView, RecentView } from "./model.ts";
import { ChartCards } from "../shared/charts.tsx";
import { KpiTiles } from "../shared/kpis.tsx";
import { Polled } from "../shared/polled.tsx";
import { TableCard } from "../shared/table.tsx";

/**
 * The selection above the panels: the range shown with its ends in the page's zone, a removable
 * chip per filter (plain links), and what an empty selection means.
 */
export function Chips({ view }: { view: OverviewView }) {
  const { selection } = view;
  return (
    <nav
      class="selection"
      aria-label="Selection"
      data-range={selection.range}
      data-from={selection.from?.toISOString()}
      data-to={selection.to?.toISOString()}
      data-time-zone={selection.timeZone}
    >
      <span class="range-label">
        {selection.label}
        {selection.span
          ? ` (${selection.span})`
          : <span class="zone-note">(times in {selection.zoneName})</span>}
      </span>
      {selection.chips.map((chip) => (
        <a
          class="chip"
          href={chip.removeHref}
          data-filter={chip.name}
          data-value={chip.value}
          aria-label={`${chip.label}: ${chip.display}. Remove this filter`}
        >
          {chip.label}: {chip.display} <span aria-hidden="true">×</span>
        </a>
      ))}
      <a class="skip" href="#controls">Change range and refresh</a>
    </nav>
  );
}

/** The banner shown while PostgreSQL is unreachable; empty (but still polled) when all is well. */
export function BannerPanel({ view }: { view: OverviewView }) {
  return (
    <Polled name="banner" refresh={view.refresh} class="banner-slot">
      {view.problem && (
        <div class="banner" role="alert" data-problem="database">
          <strong>{view.problem}.</strong> {view.asOf
            ? `Showing the last good data, read at ${
              clock(view.asOf, view.selection.timeZone)
            }; retrying on every refresh.`
            : "No data could be read yet; retrying on every refresh."}
        </div>
      )}
    </Polled>
  );
}

/**
 * The ten KPI tiles, each with its change against the previous period of the same length, and
 * what they are compared with; "No sales match ..." when the selection is empty.
 */
export function KpiPanel({ view }: { view: OverviewView }) {
  return (
    <Polled name="kpis" refresh={view.refresh} class="kpi-panel">
      {view.empty && <p class="empty-state" data-empty-selection>{view.empty}</p>}
      {view.retention && <p class="retention-note" role="note" data-retention>{view.retention}</p>}
      <div class="kpis">
        <KpiTiles kpis={view.kpis} empty="No data has been read yet." />
      </div>
      <p class="kpi-note">
        {view.comparison
          ? (
            <span data-comparison>
              Changes against {view.comparison.span}, the period of the same length before.
            </span>
          )
          : view.summary && <span>All time: nothing before to compare with.</span>}{" "}
        {view.summary && (
          <a href={view.csv.summary} download data-csv="summary">Download the summary (CSV)</a>
        )}
      </p>
    </Polled>
  );
}

/** The six charts. */
export function ChartsPanel({ view }: { view: OverviewView }) {
  return (
    <Polled name="charts" refresh={view.refresh} class="charts">
      <ChartCards
        charts={view.charts}
        empty={view.empty ? "No sales in this selection" : "No sales yet"}
      />
    </Polled>
  );
}

/**
 * Top products (each a drill-down link), top customers (emails masked) and recent sales (card
 * company and last four only).
 */
export function TablesPanel({ view }: { view: OverviewView }) {
  const empty = view.empty ? "No sales in this selection." : "No sales yet.";
  return (
    <Polled name="tables" refresh={view.refresh} class="tables">
      <TableCard<ProductView>
        title="Top products by revenue"
        name="top-products"
        rows={view.products}
        empty={empty}
        csv={view.summary ? view.csv.product : undefined}
        rowData={(p) => ({ "product-id": String(p.id) })}
        columns={[
          {
            header: "Product",
            cell: (p) => <a href={view.productLink(p.id)} title={`Show only ${p.name}`}>{p.name}
            </a>,
            data: (p) => ({ product: p.name }),
          },
          { header: "Category", cell: (p) => p.category },
          {
            header: "Units",
            numeric: true,
            cell: (p) => formatCount(p.units),
            data: (p) => ({ units: String(p.units) }),
          },
          {
            header: "Revenue",
            numeric: true,
            cell: (p) => formatMoney(p.revenue),
            data: (p) => ({ revenue: p.revenue }),
          },
          {
            header: "Profit",
            numeric: true,
            cell: (p) => formatMoney(p.profit),
            data: (p) => ({ profit: p.profit }),
          },
        ]}
      />
      <TableCard<CustomerView>
        title="Top customers by purchases"
        name="top-customers"
        rows={view.customers}
        empty={empty}
        csv={view.summary ? view.csv.customer : undefined}
        columns={[
          { header: "Customer", cell: (c) => c.name, data: () => ({ "customer-name": "" }) },
          { header: "Email", cell: (c) => c.email, data: () => ({ email: "" }) },
          { header: "State", cell: (c) => c.state },
          { header: "Purchases", numeric: true, cell: (c) => formatCount(c.purchases) },
          { header: "Revenue", numeric: true, cell: (c) => formatMoney(c.revenue) },
          {
            header: "Average",
            numeric: true,
            cell: (c) => formatMoney(c.averagePurchase),
            data: (c) => ({ average: c.averagePurchase }),
          },
        ]}
      />
      <TableCard<RecentView>
        title="Recent sales"
        name="recent-sales"
        rows={view.recent}
        empty={empty}
        rowData={(s) => ({ "sale-id": s.saleId })}
        columns={[
          { header: "Time", cell: (s) => s.time },
          {
            header: "Customer",
            cell: (s) => (
              <>
                {s.customer} <small>{s.email}</small>
              </>
            ),
          },
          {
            header: "Product",
            cell: (s) => (
              <>
                {s.product} <small>{s.category}</small>
              </>
            ),
          },
          { header: "Place", cell: (s) => s.place },
          { header: "Card", cell: (s) => s.card, data: () => ({ card: "" }) },
          { header: "Price", numeric: true, cell: (s) => s.price },
        ]}
      />
    </Polled>
  );
}
