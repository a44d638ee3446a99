/**
 * The dashboard's figures computed the slow, obvious way for tests: sales written through
 * writeBatch at chosen ages, and a GROUP BY over `sales` restricted like a selection.
 */
import { validate } from "../../lib/core/decode.ts";
import type { SaleRecord } from "../../lib/core/sale.ts";
import type { Sql } from "../../lib/infra/db.ts";
import { type SourcedSale, writeBatch } from "../../lib/store/write_batch.ts";
import { centsToDecimal } from "../../lib/core/money.ts";
import { cents, expectedTotals, moneyKpis } from "./money.ts";
import type { TestDatabase } from "./services.ts";

const MINUTE = 60_000;

/**
 * Writes the records through writeBatch over three partitions, the i-th sold
 * `agesMinutes[i % n]` minutes (and a few seconds) ago.
 */
export async function loadAged(
  db: TestDatabase,
  records: SaleRecord[],
  agesMinutes: number[],
  source = { groupId: "aged-group", topic: "aged-topic" },
): Promise<void> {
  const now = Date.now();
  const byPart: SourcedSale[][] = [[], [], []];
  records.forEach((record, i) => {
    const checked = validate(record);
    if (!checked.ok) throw new Error(checked.message);
    const age = agesMinutes[i % agesMinutes.length]! * MINUTE + (i % 7) * 7_000;
    byPart[i % 3]!.push({
      sale: checked.sale,
      offset: String(byPart[i % 3]!.length),
      soldAt: new Date(now - age),
    });
  });
  for (const [partition, sales] of byPart.entries()) {
    await writeBatch(db.sql, {
      ...source,
      partition,
      expectedOffset: null,
      nextOffset: String(sales.length),
      sales,
      rejected: 0,
    });
  }
}

/** A selection's filters as the test asks for them. */
export interface AskFilters {
  state?: string;
  category?: string;
  card?: string;
  product?: string;
}

/** The filters and the minutes [from, to) as SQL over `sales` (alias s). */
export function whereSales(sql: Sql, ask: AskFilters, from: string | null, to: string | null) {
  return sql`
    where true
    ${from ? sql`and s.sold_at >= ${new Date(from)}` : sql``}
    ${to ? sql`and s.sold_at < ${new Date(to)}` : sql``}
    ${ask.state ? sql`and s.state = ${ask.state}` : sql``}
    ${
    ask.category
      ? sql`and s.category_id = (select category_id from categories where name = ${ask.category})`
      : sql``
  }
    ${ask.card ? sql`and s.card_company = ${ask.card}` : sql``}
    ${ask.product ? sql`and s.product_id = ${Number(ask.product)}` : sql``}`;
}

/** KPI values a GROUP BY over `sales` gives for the selection (margin and average rounded half up). */
export async function expectedKpis(
  sql: Sql,
  ask: AskFilters,
  from: string | null,
  to: string | null,
) {
  const [r] = await sql`
    select count(*)::text as sales, coalesce(sum(sale_price), 0)::text as revenue,
      coalesce(sum(cost_price), 0)::text as cost,
      count(distinct customer_id)::text as customers,
      count(distinct product_id)::text as products,
      count(distinct category_id)::text as categories
    from sales s ${whereSales(sql, ask, from, to)}`;
  return {
    sales: r!.sales as string,
    ...moneyKpis(cents(r!.revenue), cents(r!.cost), BigInt(r!.sales)),
    customers: r!.customers as string,
    products: r!.products as string,
    categories: r!.categories as string,
  };
}

/** The KPI fields of an API summary (or its `previous`) as expectedKpis() gives them. */
export function kpiFields(api: Record<string, unknown>) {
  return {
    sales: String(api.sales),
    revenue: api.revenue,
    cost: api.cost,
    profit: api.profit,
    margin: api.margin,
    aov: api.aov,
    customers: String(api.customers),
    products: String(api.products),
    categories: String(api.categories),
  };
}

/** The count, revenue and cost stored in `sales` (money as PostgreSQL prints it). */
export async function storedTotals(sql: Sql) {
  const [s] = await sql`
    select count(*)::int as n, coalesce(sum(sale_price), 0)::text as revenue,
      coalesce(sum(cost_price), 0)::text as cost
    from sales`;
  return { ...s };
}

/** What storedTotals() must give once exactly `records` (distinct sale ids) are stored. */
export function expectedStoredTotals(records: SaleRecord[]) {
  const want = expectedTotals(records);
  return {
    n: want.count,
    revenue: centsToDecimal(want.revenue),
    cost: centsToDecimal(want.cost),
  };
}
