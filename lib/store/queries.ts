/**
 * Read-only queries of the dashboard: aggregate tables only, plus the ten most recent sales.
 * Columns are cast to text for exactness, so ORDER BY always names the table's own column.
 */
import type { Sql } from "../infra/db.ts";

/** The running totals row; money as numeric strings, counters as bigint strings. */
export interface TotalsRow {
  sales_count: string;
  revenue: string;
  cost: string;
  customers: string;
  products: string;
  categories: string;
  rejected: string;
  duplicates: string;
  last_sale_at: Date | null;
}

/** One group of an aggregate table: its key, label, sales count and money. */
export interface GroupRow {
  key: string;
  label: string;
  sales_count: string;
  revenue: string;
  cost: string;
}

/** One customer of the top customers list; the email is raw here and masked by the views. */
export interface CustomerRow {
  customer_id: number;
  first_name: string;
  last_name: string;
  email: string;
  state: string;
  sales_count: string;
  revenue: string;
}

/** One minute of sales_by_minute. */
export interface MinuteRow {
  minute: Date;
  sales_count: string;
  revenue: string;
}

/** One recent sale, carrying no card data beyond the company and the last four digits. */
export interface RecentSaleRow {
  sale_id: string;
  sold_at: Date;
  ingested_at: Date;
  first_name: string;
  last_name: string;
  email: string;
  category: string;
  product: string;
  sale_price: string;
  card_company: string;
  card_last4: string;
  city: string;
  state: string;
}

/** The stored next offset of one partition for the dashboard's consumer group and topic. */
export interface OffsetRow {
  partition: number;
  next_offset: string;
}

/** Reads the single sales_totals row. */
export async function selectTotals(sql: Sql): Promise<TotalsRow> {
  const [row] = await sql<TotalsRow[]>`
    select sales_count::text, revenue::text, cost::text, customers::text, products::text,
      categories::text, rejected::text, duplicates::text, last_sale_at
    from sales_totals`;
  if (!row) throw new Error("sales_totals has no row; run the migrations again");
  return row;
}

/** Every category with its totals, highest revenue first. */
export function selectByCategory(sql: Sql): Promise<GroupRow[]> {
  return sql<GroupRow[]>`
    select c.category_id::text as key, c.name as label, a.sales_count::text, a.revenue::text,
      a.cost::text
    from sales_by_category a join categories c using (category_id)
    order by a.revenue desc, c.name`;
}

/** Every state (two-letter code) with its totals, highest revenue first. */
export function selectByState(sql: Sql): Promise<GroupRow[]> {
  return sql<GroupRow[]>`
    select a.state as key, a.state as label, a.sales_count::text, a.revenue::text, a.cost::text
    from sales_by_state a
    order by a.revenue desc, a.state`;
}

/** The cities with the highest revenue, labelled "City, ST". */
export function selectTopCities(sql: Sql, limit: number): Promise<GroupRow[]> {
  return sql<GroupRow[]>`
    select a.state || '/' || a.city as key, a.city || ', ' || a.state as label,
      a.sales_count::text, a.revenue::text, a.cost::text
    from sales_by_city a
    order by a.revenue desc, a.state, a.city
    limit ${limit}`;
}

/** Every card company with its totals, most used first. */
export function selectByCard(sql: Sql): Promise<GroupRow[]> {
  return sql<GroupRow[]>`
    select a.card_company as key, a.card_company as label, a.sales_count::text,
      a.revenue::text, a.cost::text
    from sales_by_card a
    order by a.sales_count desc, a.card_company`;
}

/** The customers with the most purchases (then the highest revenue). */
export function selectTopCustomers(sql: Sql, limit: number): Promise<CustomerRow[]> {
  return sql<CustomerRow[]>`
    select a.customer_id, c.first_name, c.last_name, c.email, c.state, a.sales_count::text,
      a.revenue::text
    from sales_by_customer a join customers c using (customer_id)
    order by a.sales_count desc, a.revenue desc, a.customer_id
    limit ${limit}`;
}

/** The minutes of sales_by_minute from `since` on, oldest first. */
export function selectMinutesSince(sql: Sql, since: Date): Promise<MinuteRow[]> {
  return sql<MinuteRow[]>`
    select a.minute, a.sales_count::text, a.revenue::text
    from sales_by_minute a
    where a.minute >= ${since}
    order by a.minute`;
}

/** The most recently ingested sales (uses the index of sql/0002_dashboard_indexes.sql). */
export function selectRecentSales(sql: Sql, limit: number): Promise<RecentSaleRow[]> {
  return sql<RecentSaleRow[]>`
    select s.sale_id, s.sold_at, s.ingested_at, cu.first_name, cu.last_name, cu.email,
      c.name as category, p.name as product, s.sale_price::text, s.card_company, s.card_last4,
      s.city, s.state
    from (select * from sales order by ingested_at desc limit ${limit}) s
    join customers cu using (customer_id)
    join products p using (product_id)
    join categories c on c.category_id = s.category_id
    order by s.ingested_at desc, s.sale_id`;
}

/** The consumer group's stored next offsets on the topic, by partition. */
export function selectOffsets(sql: Sql, groupId: string, topic: string): Promise<OffsetRow[]> {
  return sql<OffsetRow[]>`
    select o.partition, o.next_offset::text
    from consumer_offsets o
    where o.group_id = ${groupId} and o.topic = ${topic}
    order by o.partition`;
}
