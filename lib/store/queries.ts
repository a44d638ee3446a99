/**
 * Read-only queries of the dashboard, for any selection (time range and filters): they read the
 * partitions' aggregate rows (summed over partitions) and, for the ten most recent sales, the
 * newest rows of `sales` through its sold_at index. Money comes back as exact decimal text.
 */
import type { Sql } from "../infra/db.ts";
import { hasFilters, hasRange, isEverything, segments, type Selection } from "./selection.ts";

/** The running totals of a selection; money as numeric strings, counters as bigint strings. */
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

/** One point of the sales series: its first minute (since the epoch) and its sums. */
export interface SeriesRow {
  minute: number;
  sales_count: string;
  revenue: string;
}

/** One recent sale, carrying no card data beyond the company and the last four digits. */
export interface RecentSaleRow {
  sale_id: string;
  sold_at: Date;
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

/** Count and exact money of summed bucket rows. */
function sums(sql: Sql) {
  return sql`
    sum(sales_count)::text as sales_count,
    (sum(revenue_cents)::numeric / 100)::numeric(20, 2)::text as revenue,
    (sum(cost_cents)::numeric / 100)::numeric(20, 2)::text as cost`;
}

/** The filters of a selection on the sales cube (city, product, card company columns). */
function salesFilter(sql: Sql, sel: Selection) {
  return sql`
    ${
    sel.state !== undefined
      ? sql`and city_id in (select city_id from cities where state = ${sel.state})`
      : sql``
  }
    ${
    sel.category !== undefined
      ? sql`and product_id in (select p.product_id from products p
          join categories c using (category_id) where c.name = ${sel.category})`
      : sql``
  }
    ${
    sel.card !== undefined
      ? sql`and card_id in (select card_id from card_companies where name = ${sel.card})`
      : sql``
  }`;
}

/** The filters of a selection on the customer cube (state, category, card company columns). */
function customerFilter(sql: Sql, sel: Selection) {
  return sql`
    ${sel.state !== undefined ? sql`and state = ${sel.state}` : sql``}
    ${
    sel.category !== undefined
      ? sql`and category_id in (select category_id from categories where name = ${sel.category})`
      : sql``
  }
    ${
    sel.card !== undefined
      ? sql`and card_id in (select card_id from card_companies where name = ${sel.card})`
      : sql``
  }`;
}

/**
 * The bucket rows of a cube that make up the selection, each with the first minute of its
 * bucket (null for all-time rows): all-time rows without a range, else hour rows for the
 * range's whole hours and minute rows for the rest.
 */
function cubeRows(sql: Sql, cube: "cube" | "customer", sel: Selection, nowMinute: number) {
  const columns = cube === "cube"
    ? sql`city_id, product_id, card_id`
    : sql`customer_id, state, category_id, card_id`;
  const filter = cube === "cube" ? salesFilter(sql, sel) : customerFilter(sql, sel);
  const table = (grain: "all" | "hour" | "minute") => sql(`agg_${cube}_${grain}`);
  const money = sql`sales_count, revenue_cents, cost_cents`;
  if (!hasRange(sel)) {
    return sql`select null::integer as minute, ${columns}, ${money} from ${table("all")}
      where true ${filter}`;
  }
  const parts = segments(sel, nowMinute).map((seg) =>
    seg.grain === "hour"
      ? sql`select hour * 60 as minute, ${columns}, ${money} from ${table("hour")}
          where hour >= ${seg.from} and hour < ${seg.to} ${filter}`
      : sql`select minute, ${columns}, ${money} from ${table("minute")}
          where minute >= ${seg.from} and minute < ${seg.to} ${filter}`
  );
  if (parts.length === 0) {
    return sql`select null::integer as minute, ${columns}, ${money} from ${table("all")}
      where false`;
  }
  return parts.reduce((all, part) => sql`${all} union all ${part}`);
}

/** The totals of the selection. Without range and filters: the partitions' running totals. */
export async function selectTotals(sql: Sql, sel: Selection, now: number): Promise<TotalsRow> {
  if (isEverything(sel)) {
    const [row] = await sql<TotalsRow[]>`
      select coalesce(sum(sales_count), 0)::text as sales_count,
        (coalesce(sum(revenue_cents), 0)::numeric / 100)::numeric(20, 2)::text as revenue,
        (coalesce(sum(cost_cents), 0)::numeric / 100)::numeric(20, 2)::text as cost,
        coalesce(sum(customers), 0)::text as customers,
        coalesce(sum(products), 0)::text as products,
        coalesce(sum(categories), 0)::text as categories,
        coalesce(sum(rejected), 0)::text as rejected,
        coalesce(sum(duplicates), 0)::text as duplicates,
        max(last_sale_at) as last_sale_at
      from agg_totals`;
    return row!;
  }
  const counters = hasRange(sel)
    ? sql`select coalesce(sum(rejected), 0) as rejected, coalesce(sum(duplicates), 0) as duplicates
        from agg_counters_minute
        where minute >= ${sel.fromMinute ?? 0} and minute < ${sel.toMinute ?? now + 1}`
    : sql`select coalesce(sum(rejected), 0) as rejected, coalesce(sum(duplicates), 0) as duplicates
        from agg_totals`;
  const [row] = await sql<TotalsRow[]>`
    with s as (${cubeRows(sql, "cube", sel, now)}),
    c as (${cubeRows(sql, "customer", sel, now)}),
    k as (${counters})
    select coalesce(sum(s.sales_count), 0)::text as sales_count,
      (coalesce(sum(s.revenue_cents), 0)::numeric / 100)::numeric(20, 2)::text as revenue,
      (coalesce(sum(s.cost_cents), 0)::numeric / 100)::numeric(20, 2)::text as cost,
      (select count(distinct customer_id) from c)::text as customers,
      count(distinct s.product_id)::text as products,
      count(distinct p.category_id)::text as categories,
      (select rejected from k)::text as rejected,
      (select duplicates from k)::text as duplicates,
      null::timestamptz as last_sale_at
    from s left join products p using (product_id)`;
  return row!;
}

/** Every category of the selection with its totals, highest revenue first. */
export function selectByCategory(sql: Sql, sel: Selection, now: number): Promise<GroupRow[]> {
  return sql<GroupRow[]>`
    select c.category_id::text as key, c.name as label, ${sums(sql)}
    from (${cubeRows(sql, "cube", sel, now)}) a
    join products p using (product_id) join categories c on c.category_id = p.category_id
    group by c.category_id, c.name
    order by sum(revenue_cents) desc, c.name`;
}

/** Every state (two-letter code) of the selection with its totals, highest revenue first. */
export function selectByState(sql: Sql, sel: Selection, now: number): Promise<GroupRow[]> {
  return sql<GroupRow[]>`
    select ci.state as key, ci.state as label, ${sums(sql)}
    from (${cubeRows(sql, "cube", sel, now)}) a join cities ci using (city_id)
    group by ci.state
    order by sum(revenue_cents) desc, ci.state`;
}

/** The cities of the selection with the highest revenue, labelled "City, ST". */
export function selectTopCities(
  sql: Sql,
  sel: Selection,
  now: number,
  limit: number,
): Promise<GroupRow[]> {
  return sql<GroupRow[]>`
    select ci.state || '/' || ci.name as key, ci.name || ', ' || ci.state as label, ${sums(sql)}
    from (${cubeRows(sql, "cube", sel, now)}) a join cities ci using (city_id)
    group by ci.state, ci.name
    order by sum(revenue_cents) desc, ci.state, ci.name
    limit ${limit}`;
}

/** Every card company of the selection with its totals, most used first. */
export function selectByCard(sql: Sql, sel: Selection, now: number): Promise<GroupRow[]> {
  return sql<GroupRow[]>`
    select cc.name as key, cc.name as label, ${sums(sql)}
    from (${cubeRows(sql, "cube", sel, now)}) a join card_companies cc using (card_id)
    group by cc.name
    order by sum(sales_count) desc, cc.name`;
}

/** The customers of the selection with the most purchases (then the highest revenue). */
export function selectTopCustomers(
  sql: Sql,
  sel: Selection,
  now: number,
  limit: number,
): Promise<CustomerRow[]> {
  const rows = isEverything(sel)
    ? sql`select customer_id, sales_count, revenue_cents from agg_customer_totals`
    : cubeRows(sql, "customer", sel, now);
  return sql<CustomerRow[]>`
    select t.customer_id, c.first_name, c.last_name, c.email, c.state, t.sales_count::text,
      (t.revenue_cents::numeric / 100)::numeric(20, 2)::text as revenue
    from (
      select customer_id, sum(sales_count) as sales_count, sum(revenue_cents) as revenue_cents
      from (${rows}) a
      group by customer_id
      order by 2 desc, 3 desc, 1
      limit ${limit}
    ) t join customers c using (customer_id)
    order by t.sales_count desc, t.revenue_cents desc, t.customer_id`;
}

/**
 * Sales and revenue per step (60 for minutes, 3600/60 for hours) in [fromMinute, toMinute),
 * under the selection's filters; steps without sales are absent.
 */
export function selectSeries(
  sql: Sql,
  sel: Selection,
  fromMinute: number,
  toMinute: number,
  stepMinutes: 1 | 60,
): Promise<SeriesRow[]> {
  const window = { ...sel, fromMinute, toMinute };
  return sql<SeriesRow[]>`
    select (minute / ${stepMinutes}) * ${stepMinutes} as minute, sum(sales_count)::text as sales_count,
      (sum(revenue_cents)::numeric / 100)::numeric(20, 2)::text as revenue
    from (${cubeRows(sql, "cube", window, toMinute)}) a
    group by 1
    order by 1`;
}

/** The most recently sold sales of the selection, newest first (sold_at index, then filters). */
export function selectRecentSales(
  sql: Sql,
  sel: Selection,
  limit: number,
): Promise<RecentSaleRow[]> {
  const range = hasRange(sel)
    ? sql`and s.sold_at >= ${new Date((sel.fromMinute ?? 0) * 60_000)}
        ${sel.toMinute !== null ? sql`and s.sold_at < ${new Date(sel.toMinute * 60_000)}` : sql``}`
    : sql``;
  const filters = hasFilters(sel)
    ? sql`
      ${sel.state !== undefined ? sql`and s.state = ${sel.state}` : sql``}
      ${
      sel.category !== undefined
        ? sql`and s.category_id in (select category_id from categories where name = ${sel.category})`
        : sql``
    }
      ${sel.card !== undefined ? sql`and s.card_company = ${sel.card}` : sql``}`
    : sql``;
  return sql<RecentSaleRow[]>`
    select s.sale_id, s.sold_at, cu.first_name, cu.last_name, cu.email,
      c.name as category, p.name as product, s.sale_price::text, s.card_company, s.card_last4,
      s.city, s.state
    from (
      select * from sales s where true ${range} ${filters}
      order by s.sold_at desc, s.sale_id desc
      limit ${limit}
    ) s
    join customers cu using (customer_id)
    join products p using (product_id)
    join categories c on c.category_id = s.category_id
    order by s.sold_at desc, s.sale_id desc`;
}

/** The consumer group's stored next offsets on the topic, by partition. */
export function selectOffsets(sql: Sql, groupId: string, topic: string): Promise<OffsetRow[]> {
  return sql<OffsetRow[]>`
    select o.partition, o.next_offset::text
    from consumer_offsets o
    where o.group_id = ${groupId} and o.topic = ${topic}
    order by o.partition`;
}
