/**
 * Read-only queries of the dashboard, for any selection (time range and filters): all time
 * without filters from the partitions' all-time rows, anything else from the minute log (both
 * summed over partitions), and the ten most recent sales from the newest rows of `sales` through
 * its sold_at index. Money comes back as exact decimal text.
 */
import type { Sql } from "../infra/db.ts";
import { intArray } from "./pg_arrays.ts";
import { hasFilters, hasRange, isEverything, type Selection } from "./selection.ts";

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
  /** sales filed at the time the consumer read them: their timestamp was too far ahead, or too old */
  time_ahead: string;
  time_too_old: string;
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

/** One product of the top products list: its id, name and category, units sold and money. */
export interface ProductRow {
  key: string;
  label: string;
  category: string;
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

/** Count and exact money of summed rows. */
function sums(sql: Sql) {
  return sql`
    sum(sales_count)::text as sales_count,
    (sum(revenue_cents)::numeric / 100)::numeric(20, 2)::text as revenue,
    (sum(cost_cents)::numeric / 100)::numeric(20, 2)::text as cost`;
}

/**
 * The rows of the minute log that make up a selection (range and filters), each with the sale's
 * category and state: the source of every ranged or filtered figure.
 */
function logRows(sql: Sql, sel: Selection, nowMinute: number) {
  const from = sel.fromMinute ?? null;
  const to = sel.toMinute ?? (hasRange(sel) ? nowMinute + 1 : null);
  return sql`
    select l.minute, l.customer_id, l.city_id, l.product_id, l.card_id, l.category_id, l.state,
      l.sales_count, l.revenue_cents, l.cost_cents
    from agg_sales_minute l
    where true
    ${from !== null ? sql`and l.minute >= ${from}` : sql``}
    ${to !== null ? sql`and l.minute < ${to}` : sql``}
    ${sel.state !== undefined ? sql`and l.state = ${sel.state}` : sql``}
    ${
    sel.category !== undefined
      ? sql`and l.category_id = (select category_id from categories where name = ${sel.category})`
      : sql``
  }
    ${
    sel.card !== undefined
      ? sql`and l.card_id = (select card_id from card_companies where name = ${sel.card})`
      : sql``
  }
    ${sel.product !== undefined ? sql`and l.product_id = ${sel.product}` : sql``}`;
}

/** The counters of agg_totals and agg_minute, summed (one row). */
function counterSums(sql: Sql) {
  return sql`coalesce(sum(rejected), 0) as rejected, coalesce(sum(duplicates), 0) as duplicates,
    coalesce(sum(time_ahead), 0) as time_ahead, coalesce(sum(time_too_old), 0) as time_too_old`;
}

/**
 * The rejected and duplicate messages of a selection, and its sales filed at the time they were
 * read (one row: rejected, duplicates, time_ahead, time_too_old). Filters do not apply to them,
 * only the range: the per-minute counters within it, or the partitions' running totals without one.
 */
function counters(sql: Sql, sel: Selection, now: number) {
  return hasRange(sel)
    ? sql`select ${counterSums(sql)} from agg_minute
        where minute >= ${sel.fromMinute ?? 0} and minute < ${sel.toMinute ?? now + 1}`
    : sql`select ${counterSums(sql)} from agg_totals`;
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
        coalesce(sum(time_ahead), 0)::text as time_ahead,
        coalesce(sum(time_too_old), 0)::text as time_too_old,
        max(last_sale_at) as last_sale_at
      from agg_totals`;
    return row!;
  }
  const [row] = await sql<TotalsRow[]>`
    with k as (${counters(sql, sel, now)})
    select coalesce(sum(sales_count), 0)::text as sales_count,
      (coalesce(sum(revenue_cents), 0)::numeric / 100)::numeric(20, 2)::text as revenue,
      (coalesce(sum(cost_cents), 0)::numeric / 100)::numeric(20, 2)::text as cost,
      count(distinct customer_id)::text as customers,
      count(distinct product_id)::text as products,
      count(distinct category_id)::text as categories,
      (select rejected from k)::text as rejected,
      (select duplicates from k)::text as duplicates,
      (select time_ahead from k)::text as time_ahead,
      (select time_too_old from k)::text as time_too_old,
      null::timestamptz as last_sale_at
    from (${logRows(sql, sel, now)}) r`;
  return row!;
}

/** Every category of the selection with its totals, highest revenue first. */
export function selectByCategory(sql: Sql, sel: Selection, now: number): Promise<GroupRow[]> {
  const rows = isEverything(sel)
    ? sql`select category_id, sales_count, revenue_cents, cost_cents from agg_category`
    : logRows(sql, sel, now);
  return sql<GroupRow[]>`
    select c.category_id::text as key, c.name as label, ${sums(sql)}
    from (${rows}) a join categories c on c.category_id = a.category_id
    group by c.category_id, c.name
    order by sum(revenue_cents) desc, c.name`;
}

/** Every state (two-letter code) of the selection with its totals, highest revenue first. */
export function selectByState(sql: Sql, sel: Selection, now: number): Promise<GroupRow[]> {
  const rows = isEverything(sel)
    ? sql`select a.*, ci.state from agg_city a join cities ci using (city_id)`
    : logRows(sql, sel, now);
  return sql<GroupRow[]>`
    select state as key, state as label, ${sums(sql)}
    from (${rows}) a
    group by state
    order by sum(revenue_cents) desc, state`;
}

/** The cities of the selection with the highest revenue, labelled "City, ST". */
export function selectTopCities(
  sql: Sql,
  sel: Selection,
  now: number,
  limit: number,
): Promise<GroupRow[]> {
  const rows = isEverything(sel)
    ? sql`select city_id, sales_count, revenue_cents, cost_cents from agg_city`
    : logRows(sql, sel, now);
  return sql<GroupRow[]>`
    select ci.state || '/' || ci.name as key, ci.name || ', ' || ci.state as label, ${sums(sql)}
    from (${rows}) a join cities ci on ci.city_id = a.city_id
    group by ci.state, ci.name
    order by sum(revenue_cents) desc, ci.state, ci.name
    limit ${limit}`;
}

/** Every card company of the selection with its totals, most used first. */
export function selectByCard(sql: Sql, sel: Selection, now: number): Promise<GroupRow[]> {
  const rows = isEverything(sel)
    ? sql`select card_id, sales_count, revenue_cents, cost_cents from agg_card`
    : logRows(sql, sel, now);
  return sql<GroupRow[]>`
    select cc.name as key, cc.name as label, ${sums(sql)}
    from (${rows}) a join card_companies cc on cc.card_id = a.card_id
    group by cc.name
    order by sum(sales_count) desc, cc.name`;
}

/**
 * The products of the selection with the highest revenue (then the most units), with their
 * category; read from the minute log (each sale is one unit), and for all time without filters
 * also from the figures of the months retention dropped.
 */
export function selectTopProducts(
  sql: Sql,
  sel: Selection,
  now: number,
  limit: number,
): Promise<ProductRow[]> {
  return sql<ProductRow[]>`
    select p.product_id::text as key, p.name as label, c.name as category, ${sums(sql)}
    from (
      select product_id, sum(sales_count) as sales_count, sum(revenue_cents) as revenue_cents,
        sum(cost_cents) as cost_cents
      from (
        select product_id, sales_count, revenue_cents, cost_cents from (${logRows(sql, sel, now)}) l
        ${
    isEverything(sel)
      ? sql`union all
        select key_id, sales_count, revenue_cents, cost_cents from agg_retired
        where kind = 'product'`
      : sql``
  }
      ) r
      group by product_id
      order by sum(revenue_cents) desc, sum(sales_count) desc, product_id
      limit ${limit}
    ) a
    join products p on p.product_id = a.product_id
    join categories c on c.category_id = p.category_id
    group by p.product_id, p.name, c.name
    order by sum(revenue_cents) desc, sum(sales_count) desc, p.product_id`;
}

/** The customers of the selection with the most purchases (then the highest revenue). */
export async function selectTopCustomers(
  sql: Sql,
  sel: Selection,
  now: number,
  limit: number,
): Promise<CustomerRow[]> {
  const top = isEverything(sel)
    ? await topCustomersOverall(sql, limit)
    : await sql<{ customer_id: number; sales_count: string; revenue_cents: string }[]>`
      select customer_id, sum(sales_count)::text as sales_count,
        sum(revenue_cents)::text as revenue_cents
      from (${logRows(sql, sel, now)}) a
      group by customer_id
      order by sum(sales_count) desc, sum(revenue_cents) desc, customer_id
      limit ${limit}`;
  return await withNames(
    sql,
    top.map((t) => ({
      customer_id: t.customer_id,
      sales_count: t.sales_count,
      revenue: centsText(t.revenue_cents),
    })),
  );
}

/**
 * The customers with the most purchases over all time without reading every customer: each
 * partition's leaders (every customer with at least its floor of purchases there) are the
 * candidates; a customer outside them has fewer than the floor on every partition, so at most the
 * sum of (floor - 1). When the tenth candidate has more than that, the candidates' exact totals
 * are the answer; otherwise (little data yet) every customer is summed.
 */
async function topCustomersOverall(sql: Sql, limit: number) {
  const [candidates, [bound]] = await Promise.all([
    sql<{ customer_id: number }[]>`select distinct customer_id from agg_customer_leaders`,
    sql<{ reachable: string }[]>`
      select coalesce(sum(leader_floor - 1), 0)::text as reachable from agg_totals`,
  ]);
  const top = (only: number[] | null) =>
    sql<{ customer_id: number; sales_count: string; revenue_cents: string }[]>`
      select customer_id, sum(sales_count)::text as sales_count,
        sum(revenue_cents)::text as revenue_cents
      from agg_customer
      ${only ? sql`where customer_id = any(${intArray(only)}::integer[])` : sql``}
      group by customer_id
      order by sum(sales_count) desc, sum(revenue_cents) desc, customer_id
      limit ${limit}`;
  if (candidates.length > 0) {
    const totals = await top(candidates.map((c) => c.customer_id));
    const last = totals.at(-1);
    if (totals.length === limit && BigInt(last!.sales_count) > BigInt(bound!.reachable)) {
      return totals;
    }
  }
  return await top(null);
}

/** Every figure of a selection but the series and recent sales (what one pass over the log gives). */
export interface SelectionFigures {
  totals: TotalsRow;
  categories: GroupRow[];
  states: GroupRow[];
  cities: GroupRow[];
  cards: GroupRow[];
  customers: CustomerRow[];
  products: ProductRow[];
}

/**
 * The totals, breakdowns and top lists of a selection (a range or filters) in one pass over its
 * rows of the minute log: grouping sets give the total, each category, state, city, card company,
 * customer and product at once; the top cities and customers are cut in SQL.
 */
export async function selectSelection(
  sql: Sql,
  sel: Selection,
  now: number,
  limit: number,
): Promise<SelectionFigures> {
  const rows = await sql<
    {
      kind: string;
      key: string | null;
      label: string | null;
      extra: string | null;
      sales_count: string;
      revenue: string;
      cost: string;
      customers: string | null;
      products: string | null;
      categories: string | null;
      rejected: string | null;
      duplicates: string | null;
      time_ahead: string | null;
      time_too_old: string | null;
    }[]
  >`
    with g as materialized (
      select grouping(category_id) = 0 as by_category, grouping(state) = 0 as by_state,
        grouping(city_id) = 0 as by_city, grouping(card_id) = 0 as by_card,
        grouping(customer_id) = 0 as by_customer, grouping(product_id) = 0 as by_product,
        category_id, state, city_id, card_id, customer_id, product_id,
        sum(sales_count) as n, sum(revenue_cents) as revenue_cents, sum(cost_cents) as cost_cents
      from (${logRows(sql, sel, now)}) r
      group by grouping sets ((), (category_id), (state), (city_id), (card_id), (customer_id),
        (product_id))
    ),
    k as (${counters(sql, sel, now)}),
    picked as (
      select 'total' as kind, null::text as key, null::text as label, null::text as extra, n,
        revenue_cents, cost_cents
      from g where not (by_category or by_state or by_city or by_card or by_customer or by_product)
      union all
      select 'category', c.category_id::text, c.name, null, n, revenue_cents, cost_cents
      from g join categories c on c.category_id = g.category_id where by_category
      union all
      select 'state', state, state, null, n, revenue_cents, cost_cents from g where by_state
      union all
      (select 'city', ci.state || '/' || ci.name, ci.name || ', ' || ci.state, null, n,
        revenue_cents, cost_cents
      from g join cities ci on ci.city_id = g.city_id where by_city
      order by revenue_cents desc, ci.state, ci.name limit ${limit})
      union all
      select 'card', cc.name, cc.name, null, n, revenue_cents, cost_cents
      from g join card_companies cc on cc.card_id = g.card_id where by_card
      union all
      (select 'customer', customer_id::text, null, null, n, revenue_cents, cost_cents
      from g where by_customer
      order by n desc, revenue_cents desc, customer_id limit ${limit})
      union all
      (select 'product', g.product_id::text, p.name, pc.name, n, revenue_cents, cost_cents
      from g join products p on p.product_id = g.product_id
        join categories pc on pc.category_id = p.category_id
      where by_product
      order by revenue_cents desc, n desc, g.product_id limit ${limit})
    )
    select kind, key, label, extra, coalesce(n, 0)::text as sales_count,
      (coalesce(revenue_cents, 0)::numeric / 100)::numeric(20, 2)::text as revenue,
      (coalesce(cost_cents, 0)::numeric / 100)::numeric(20, 2)::text as cost,
      case when kind = 'total' then (select count(*) from g where by_customer)::text end
        as customers,
      case when kind = 'total' then (select count(*) from g where by_product)::text end
        as products,
      case when kind = 'total' then (select count(*) from g where by_category)::text end
        as categories,
      case when kind = 'total' then (select rejected from k)::text end as rejected,
      case when kind = 'total' then (select duplicates from k)::text end as duplicates,
      case when kind = 'total' then (select time_ahead from k)::text end as time_ahead,
      case when kind = 'total' then (select time_too_old from k)::text end as time_too_old
    from picked`;
  const total = rows.find((r) => r.kind === "total")!;
  const groups = (kind: string, order: (a: GroupRow, b: GroupRow) => number) =>
    rows.filter((r) => r.kind === kind)
      .map((r) => ({
        key: r.key!,
        label: r.label!,
        sales_count: r.sales_count,
        revenue: r.revenue,
        cost: r.cost,
      }))
      .sort(order);
  const byRevenue = (a: GroupRow, b: GroupRow) =>
    compareDecimal(b.revenue, a.revenue) || (a.label < b.label ? -1 : a.label > b.label ? 1 : 0);
  const customerIds = rows.filter((r) => r.kind === "customer");
  const products: ProductRow[] = rows.filter((r) => r.kind === "product").map((r) => ({
    key: r.key!,
    label: r.label!,
    category: r.extra!,
    sales_count: r.sales_count,
    revenue: r.revenue,
    cost: r.cost,
  })).sort((a, b) =>
    compareDecimal(b.revenue, a.revenue) || Number(b.sales_count) - Number(a.sales_count) ||
    Number(a.key) - Number(b.key)
  );
  return {
    totals: {
      sales_count: total.sales_count,
      revenue: total.revenue,
      cost: total.cost,
      customers: total.customers!,
      products: total.products!,
      categories: total.categories!,
      rejected: total.rejected!,
      duplicates: total.duplicates!,
      time_ahead: total.time_ahead!,
      time_too_old: total.time_too_old!,
      last_sale_at: null,
    },
    categories: groups("category", byRevenue),
    states: groups("state", byRevenue),
    cities: groups(
      "city",
      (a, b) =>
        compareDecimal(b.revenue, a.revenue) || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0),
    ),
    cards: groups("card", (a, b) =>
      Number(b.sales_count) - Number(a.sales_count) ||
      (a.label < b.label ? -1 : a.label > b.label ? 1 : 0)),
    customers: await withNames(
      sql,
      customerIds.map((r) => ({
        customer_id: Number(r.key),
        sales_count: r.sales_count,
        revenue: r.revenue,
      })),
    ),
    products,
  };
}

/** Orders two exact decimal strings (negative when a < b). */
function compareDecimal(a: string, b: string): number {
  const cents = (v: string) => BigInt(v.replace(".", ""));
  const d = cents(a) - cents(b);
  return d > 0n ? 1 : d < 0n ? -1 : 0;
}

/** Top customers with their names, state and email (read from customers), in the given order. */
async function withNames(
  sql: Sql,
  top: { customer_id: number; sales_count: string; revenue: string }[],
): Promise<CustomerRow[]> {
  if (top.length === 0) return [];
  const people = await sql<
    { customer_id: number; first_name: string; last_name: string; email: string; state: string }[]
  >`
    select customer_id, first_name, last_name, email, state from customers
    where customer_id = any(${top.map((t) => t.customer_id)}::integer[])`;
  const byId = new Map(people.map((p) => [p.customer_id, p]));
  return top.map((t) => ({ ...byId.get(t.customer_id)!, ...t }));
}

/** Whole cents (text) as a decimal amount with two places. */
function centsText(cents: string): string {
  const n = BigInt(cents);
  const abs = n < 0n ? -n : n;
  return `${n < 0n ? "-" : ""}${abs / 100n}.${String(abs % 100n).padStart(2, "0")}`;
}

/**
 * Sales and revenue per step (1 or 60 minutes) in [fromMinute, toMinute), under the selection's
 * filters; steps without sales are absent.
 */
export function selectSeries(
  sql: Sql,
  sel: Selection,
  fromMinute: number,
  toMinute: number,
  stepMinutes: 1 | 60,
): Promise<SeriesRow[]> {
  const window = { ...sel, fromMinute, toMinute };
  const rows = hasFilters(sel)
    ? logRows(sql, window, toMinute)
    : sql`select minute, sales_count, revenue_cents from agg_minute
        where minute >= ${fromMinute} and minute < ${toMinute}`;
  return sql<SeriesRow[]>`
    select (minute / ${stepMinutes}) * ${stepMinutes} as minute,
      sum(sales_count)::text as sales_count,
      (sum(revenue_cents)::numeric / 100)::numeric(20, 2)::text as revenue
    from (${rows}) a
    group by 1
    having sum(sales_count) > 0
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
      ${sel.card !== undefined ? sql`and s.card_company = ${sel.card}` : sql``}
      ${sel.product !== undefined ? sql`and s.product_id = ${sel.product}` : sql``}`
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
