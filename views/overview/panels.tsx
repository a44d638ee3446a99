/** The overview's polled panels: problem banner, KPI tiles, charts and tables. */
import { formatCount, formatMoney } from "../../lib/core/money.ts";
import { clock } from "../shared/display.ts";
import type { CustomerView } from "../shared/figures.ts";
import type { OverviewView, RecentView } from "./model.ts";
import { ChartCards } from "../shared/charts.tsx";
import { KpiTiles } from "../shared/kpis.tsx";
import { Polled } from "../shared/polled.tsx";
import { TableCard } from "../shared/table.tsx";

/** The selection above the panels: the range shown and a removable chip per filter (plain links). */
export function Chips({ view }: { view: OverviewView }) {
  const { selection } = view;
  const span = selection.from && selection.to
    ? ` (${moment(selection.from, selection.to)} to ${moment(selection.to, selection.from)})`
    : "";
  return (
    <nav
      class="selection"
      aria-label="Selection"
      data-range={selection.range}
      data-from={selection.from?.toISOString()}
      data-to={selection.to?.toISOString()}
    >
      <span class="range-label">
        {selection.label}
        {span}
      </span>
      {selection.chips.map((chip) => (
        <a
          class="chip"
          href={chip.removeHref}
          data-filter={chip.name}
          data-value={chip.value}
          title={`Remove the ${chip.label.toLowerCase()} filter`}
        >
          {chip.label}: {chip.display} <span aria-hidden="true">×</span>
        </a>
      ))}
    </nav>
  );
}

/** A range end as HH:MM, with its date (MM-DD) when the other end is on another day. */
function moment(at: Date, other: Date): string {
  const time = clock(at).slice(0, 5);
  if (at.toDateString() === other.toDateString()) return time;
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${pad(at.getMonth() + 1)}-${pad(at.getDate())} ${time}`;
}

/** The banner shown while PostgreSQL is unreachable; empty (but still polled) when all is well. */
export function BannerPanel({ view }: { view: OverviewView }) {
  return (
    <Polled name="banner" refresh={view.refresh} class="banner-slot">
      {view.problem && (
        <div class="banner" role="alert" data-problem="database">
          <strong>{view.problem}.</strong> {view.asOf
            ? `Showing the last good data, read at ${clock(view.asOf)}; retrying on every refresh.`
            : "No data could be read yet; retrying on every refresh."}
        </div>
      )}
    </Polled>
  );
}

/** The ten KPI tiles. */
export function KpiPanel({ view }: { view: OverviewView }) {
  return (
    <Polled name="kpis" refresh={view.refresh} class="kpis">
      <KpiTiles kpis={view.kpis} empty="No data has been read yet." />
    </Polled>
  );
}

/** The six charts. */
export function ChartsPanel({ view }: { view: OverviewView }) {
  return (
    <Polled name="charts" refresh={view.refresh} class="charts">
      <ChartCards charts={view.charts} />
    </Polled>
  );
}

/** Top customers (emails masked) and recent sales (card company and last four only). */
export function TablesPanel({ view }: { view: OverviewView }) {
  return (
    <Polled name="tables" refresh={view.refresh} class="tables">
      <TableCard<CustomerView>
        title="Top customers by purchases"
        name="top-customers"
        rows={view.customers}
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
