/** The tables: top customers (emails masked) and recent sales (card company and last four only). */
import type { CustomerView, DashboardView, RecentView } from "../../lib/serve/overview_view.ts";
import { formatCount, formatMoney } from "../../lib/core/money.ts";
import { Polled } from "../shared/polled.tsx";

/** The polled panel with both tables. */
export function TablesPanel({ view }: { view: DashboardView }) {
  return (
    <Polled name="tables" refresh={view.refresh} class="tables">
      <TopCustomers customers={view.customers} />
      <RecentSales sales={view.recent} />
    </Polled>
  );
}

/** Customers with the most purchases, their revenue and average purchase. */
export function TopCustomers({ customers }: { customers: CustomerView[] }) {
  return (
    <section class="table-card">
      <h2>Top customers by purchases</h2>
      <div class="scroll">
        <table data-table="top-customers">
          <thead>
            <tr>
              <th scope="col">Customer</th>
              <th scope="col">Email</th>
              <th scope="col">State</th>
              <th scope="col" class="num">Purchases</th>
              <th scope="col" class="num">Revenue</th>
              <th scope="col" class="num">Average</th>
            </tr>
          </thead>
          <tbody>
            {customers.map((c) => (
              <tr>
                <td data-customer-name>{c.name}</td>
                <td data-email>{c.email}</td>
                <td>{c.state}</td>
                <td class="num">{formatCount(c.purchases)}</td>
                <td class="num">{formatMoney(c.revenue)}</td>
                <td class="num" data-average={c.averagePurchase}>
                  {formatMoney(c.averagePurchase)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** The ten most recently ingested sales. */
export function RecentSales({ sales }: { sales: RecentView[] }) {
  return (
    <section class="table-card">
      <h2>Recent sales</h2>
      <div class="scroll">
        <table data-table="recent-sales">
          <thead>
            <tr>
              <th scope="col">Time</th>
              <th scope="col">Customer</th>
              <th scope="col">Product</th>
              <th scope="col">Place</th>
              <th scope="col">Card</th>
              <th scope="col" class="num">Price</th>
            </tr>
          </thead>
          <tbody>
            {sales.map((s) => (
              <tr data-sale-id={s.saleId}>
                <td>{s.time}</td>
                <td>
                  {s.customer} <small>{s.email}</small>
                </td>
                <td>
                  {s.product} <small>{s.category}</small>
                </td>
                <td>{s.place}</td>
                <td data-card>{s.card}</td>
                <td class="num">{s.price}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
