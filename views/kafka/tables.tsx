/** The /kafka page's tables: customer_insights' top customers (masked) and sales_by_category. */
import { formatCount, formatMoney } from "../../lib/core/money.ts";
import type { ReportCustomer, ReportGroup, ReportsView } from "../../lib/serve/kafka_view.ts";
import { Polled } from "../shared/polled.tsx";

/** The polled panel with both tables. */
export function ReportsTablesPanel({ view }: { view: ReportsView }) {
  return (
    <Polled name="kafka-tables" refresh={view.refresh} class="tables">
      <ReportCustomers customers={view.customers} />
      <ReportCategories categories={view.categories} />
    </Polled>
  );
}

/** Customers with the most purchases, shown by masked email only. */
export function ReportCustomers({ customers }: { customers: ReportCustomer[] }) {
  return (
    <section class="table-card">
      <h2>Top customers by purchases (customer_insights)</h2>
      <div class="scroll">
        <table data-table="report-customers">
          <thead>
            <tr>
              <th scope="col">Customer</th>
              <th scope="col" class="num">Purchases</th>
              <th scope="col" class="num">Total spent</th>
              <th scope="col" class="num">Average purchase</th>
            </tr>
          </thead>
          <tbody>
            {customers.map((c) => (
              <tr data-customer-key={c.key}>
                <td data-customer>{c.customer}</td>
                <td class="num" data-purchases={String(c.purchases)}>
                  {formatCount(c.purchases)}
                </td>
                <td class="num" data-total-spent={c.totalSpent}>{formatMoney(c.totalSpent)}</td>
                <td class="num" data-average={c.averagePurchase}>
                  {formatMoney(c.averagePurchase)}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {customers.length === 0 && <p class="empty">No customers reported yet.</p>}
    </section>
  );
}

/** Every category with its count and exact money, highest revenue first. */
export function ReportCategories({ categories }: { categories: ReportGroup[] }) {
  return (
    <section class="table-card">
      <h2>Sales by category (sales_by_category)</h2>
      <div class="scroll">
        <table data-table="report-categories">
          <thead>
            <tr>
              <th scope="col">Category</th>
              <th scope="col" class="num">Sales</th>
              <th scope="col" class="num">Revenue</th>
              <th scope="col" class="num">Cost</th>
              <th scope="col" class="num">Profit</th>
            </tr>
          </thead>
          <tbody>
            {categories.map((c) => (
              <tr data-category={c.label}>
                <td>{c.label}</td>
                <td class="num">{formatCount(c.sales)}</td>
                <td class="num" data-revenue={c.revenue}>{formatMoney(c.revenue)}</td>
                <td class="num">{formatMoney(c.cost)}</td>
                <td class="num">{formatMoney(c.profit)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {categories.length === 0 && <p class="empty">No categories reported yet.</p>}
    </section>
  );
}
