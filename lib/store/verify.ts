/** Recomputes every aggregate from `sales` and reports drift; rebuilds the aggregates from `sales`. */
import type { Sql } from "../infra/db.ts";

/** One aggregate row that differs from a GROUP BY over `sales`. */
export interface Drift {
  table: string;
  key: string;
  stored: string;
  expected: string;
}

/** What every bucket of a sale is keyed by, computed from `sales` (money in whole cents). */
function saleKeys(sql: Sql) {
  return sql`
  select s.source_partition as part, floor(extract(epoch from s.sold_at) / 60)::integer as minute,
    s.city_id, s.product_id, s.card_id, s.customer_id, s.category_id, s.state,
    (s.sale_price * 100)::bigint as price_cents, (s.cost_price * 100)::bigint as cost_cents
  from sales s`;
}

/** Each aggregate of the partitions and the columns that key it (all derived from saleKeys). */
const AGGREGATES = [
  { table: "agg_category", keys: ["part", "category_id"] },
  { table: "agg_product", keys: ["part", "product_id"] },
  { table: "agg_city", keys: ["part", "city_id"] },
  { table: "agg_card", keys: ["part", "card_id"] },
  { table: "agg_customer", keys: ["customer_id", "part"] },
  { table: "agg_minute", keys: ["minute", "part"] },
  {
    table: "agg_sales_minute",
    keys: [
      "minute",
      "part",
      "customer_id",
      "city_id",
      "product_id",
      "card_id",
      "category_id",
      "state",
    ],
  },
] as const;

/** The GROUP BY over `sales` that an aggregate table must equal (fixed text, no input). */
function expectedOf(sql: Sql, keys: readonly string[]) {
  return sql`
    select ${sql(keys as string[])}, count(*) as sales_count, sum(price_cents) as revenue_cents,
      sum(cost_cents) as cost_cents
    from (${saleKeys(sql)}) k
    group by ${sql(keys as string[])}`;
}

/** What an aggregate table holds per key (the minute log may hold a key in several rows). */
function storedOf(sql: Sql, table: string, keys: readonly string[]) {
  return sql`
    select ${sql(keys as string[])}, sum(sales_count) as sales_count,
      sum(revenue_cents) as revenue_cents, sum(cost_cents) as cost_cents
    from ${sql(table)}
    group by ${sql(keys as string[])}
    having sum(sales_count) > 0`;
}

/** Compares every aggregate table and the totals with `sales`; an empty list means no drift. */
export async function findDrift(sql: Sql): Promise<Drift[]> {
  const drift: Drift[] = [];
  const [unmapped] = await sql`
    select count(*)::int as n from sales s
    left join cities ci on ci.city_id = s.city_id
    left join card_companies cc on cc.card_id = s.card_id
    where ci.state is distinct from s.state or ci.name is distinct from s.city
      or cc.name is distinct from s.card_company`;
  if (unmapped!.n > 0) {
    drift.push({
      table: "sales",
      key: "city/card company",
      stored: `${unmapped!.n} sales whose city_id or card_id is not their city or card company`,
      expected: "every sale's city_id and card_id naming its own city and card company",
    });
  }
  for (const { table, keys } of AGGREGATES) {
    const rows = await sql`
      select ${sql(keys as unknown as string[])},
        a.sales_count::text as a_count, a.revenue_cents::text as a_revenue,
        a.cost_cents::text as a_cost, e.sales_count::text as e_count,
        e.revenue_cents::text as e_revenue, e.cost_cents::text as e_cost
      from (${storedOf(sql, table, keys)}) a full join (${expectedOf(sql, keys)}) e
        using (${sql(keys as unknown as string[])})
      where (a.sales_count, a.revenue_cents, a.cost_cents)
        is distinct from (e.sales_count, e.revenue_cents, e.cost_cents)
      limit 100`;
    for (const r of rows) drift.push(rowDrift(table, keys.map((k) => String(r[k])).join("/"), r));
  }
  const totals = await sql`
    select part, a.sales_count::text as a_count, a.revenue_cents::text as a_revenue,
      a.cost_cents::text as a_cost, e.sales_count::text as e_count,
      e.revenue_cents::text as e_revenue, e.cost_cents::text as e_cost
    from agg_totals a full join (
      select part, count(*) as sales_count, sum(price_cents) as revenue_cents,
        sum(cost_cents) as cost_cents
      from (${saleKeys(sql)}) k group by part) e using (part)
    where (coalesce(a.sales_count, 0), coalesce(a.revenue_cents, 0), coalesce(a.cost_cents, 0))
      is distinct from (coalesce(e.sales_count, 0), coalesce(e.revenue_cents, 0),
        coalesce(e.cost_cents, 0))`;
  for (const r of totals) drift.push(rowDrift("agg_totals", `part ${r.part}`, r));
  const [d] = await sql`
    select
      (select coalesce(sum(customers), 0) from agg_totals)::bigint as customers,
      (select coalesce(sum(products), 0) from agg_totals)::bigint as products,
      (select coalesce(sum(categories), 0) from agg_totals)::bigint as categories,
      (select count(*) from customers)::bigint as e_customers,
      (select count(*) from products)::bigint as e_products,
      (select count(*) from categories)::bigint as e_categories`;
  for (const name of ["customers", "products", "categories"] as const) {
    if (BigInt(d![name]) !== BigInt(d![`e_${name}`])) {
      drift.push({
        table: "agg_totals",
        key: name,
        stored: String(d![name]),
        expected: String(d![`e_${name}`]),
      });
    }
  }
  const leaders = await sql`
    with wanted as (
      select c.part, c.customer_id, c.sales_count, c.revenue_cents
      from agg_customer c join agg_totals t using (part)
      where c.sales_count >= t.leader_floor
    )
    select part, customer_id, w.sales_count::text as w_count, l.sales_count::text as l_count
    from wanted w full join agg_customer_leaders l using (part, customer_id)
    where (w.sales_count, w.revenue_cents) is distinct from (l.sales_count, l.revenue_cents)
    limit 100`;
  for (const r of leaders) {
    drift.push({
      table: "agg_customer_leaders",
      key: `${r.part}/${r.customer_id}`,
      stored: r.l_count === null ? "no row" : `${r.l_count} sales`,
      expected: r.w_count === null
        ? "no row (below the floor)"
        : `${r.w_count} sales (at or above the floor)`,
    });
  }
  drift.push(...await findDanglingReferences(sql));
  return drift;
}

/** A drift line from a row holding a_count/a_revenue/a_cost and e_count/e_revenue/e_cost. */
function rowDrift(table: string, key: string, r: Record<string, unknown>): Drift {
  const show = (count: unknown, revenue: unknown, cost: unknown) =>
    count === null
      ? "no row"
      : `${count} sales, ${cents(revenue as string)} revenue, ${cents(cost as string)} cost`;
  return {
    table,
    key,
    stored: show(r.a_count, r.a_revenue, r.a_cost),
    expected: show(r.e_count, r.e_revenue, r.e_cost),
  };
}

/** Whole cents as a decimal amount ("12345" -> "123.45"). */
function cents(value: string): string {
  const n = BigInt(value);
  const abs = n < 0n ? -n : n;
  return `${n < 0n ? "-" : ""}${abs / 100n}.${String(abs % 100n).padStart(2, "0")}`;
}

/** Sales whose customer or product does not exist, or whose category is not its product's. */
async function findDanglingReferences(sql: Sql): Promise<Drift[]> {
  const rows = await sql`
    select s.sale_id, s.customer_id, s.product_id, s.category_id,
      cu.customer_id is not null as has_customer, p.category_id as product_category
    from sales s
    left join customers cu on cu.customer_id = s.customer_id
    left join products p on p.product_id = s.product_id
    where cu.customer_id is null or p.product_id is null or p.category_id <> s.category_id
    limit 100`;
  return rows.map((r) => ({
    table: "sales",
    key: String(r.sale_id),
    stored: `customer ${r.customer_id}, product ${r.product_id}, category ${r.category_id}`,
    expected: !r.has_customer
      ? `customer ${r.customer_id} to exist`
      : r.product_category === null
      ? `product ${r.product_id} to exist`
      : `category ${r.product_category} (the product's)`,
  }));
}

/**
 * Replaces every aggregate with a GROUP BY over `sales`, atomically; consumers wait meanwhile.
 * The rejected and duplicate counters are kept; the dimension counters go to the lowest partition.
 */
export async function rebuildAggregates(sql: Sql): Promise<void> {
  await sql.begin(async (tx) => {
    const t = tx as unknown as Sql;
    await t`lock table sales, agg_totals in share row exclusive mode`;
    await t`
      insert into cities (state, name) select distinct state, city from sales order by 1, 2
      on conflict (state, name) do nothing`;
    await t`
      insert into card_companies (name) select distinct card_company from sales order by 1
      on conflict (name) do nothing`;
    await t`
      update sales s set city_id = ci.city_id, card_id = cc.card_id
      from cities ci, card_companies cc
      where ci.state = s.state and ci.name = s.city and cc.name = s.card_company
        and (s.city_id is distinct from ci.city_id or s.card_id is distinct from cc.card_id)`;
    for (const { table, keys } of AGGREGATES) {
      if (table === "agg_minute") continue; // it keeps the rejected and duplicate counters
      await t`delete from ${t(table)}`;
      await t`
        insert into ${t(table)} (${t([...keys, "sales_count", "revenue_cents", "cost_cents"])})
        ${expectedOf(t, keys)}`;
    }
    await t`update agg_minute set sales_count = 0, revenue_cents = 0, cost_cents = 0`;
    await t`
      insert into agg_minute as a (minute, part, sales_count, revenue_cents, cost_cents)
      ${expectedOf(t, ["minute", "part"])}
      on conflict (minute, part) do update set sales_count = excluded.sales_count,
        revenue_cents = excluded.revenue_cents, cost_cents = excluded.cost_cents`;
    await t`delete from agg_minute where sales_count = 0 and rejected = 0 and duplicates = 0`;
    await t`
      insert into agg_totals (part)
      select distinct source_partition from sales on conflict (part) do nothing`;
    await t`
      update agg_totals a set
        sales_count = coalesce(e.sales_count, 0), revenue_cents = coalesce(e.revenue_cents, 0),
        cost_cents = coalesce(e.cost_cents, 0), last_sale_at = e.last_sale_at,
        customers = 0, products = 0, categories = 0, updated_at = now()
      from agg_totals b left join (
        select source_partition as part, count(*) as sales_count,
          sum(sale_price * 100)::bigint as revenue_cents,
          sum(cost_price * 100)::bigint as cost_cents, max(sold_at) as last_sale_at
        from sales group by 1) e using (part)
      where a.part = b.part`;
    await t`insert into agg_totals (part) select 0 where not exists (select 1 from agg_totals)`;
    await t`delete from agg_customer_leaders`;
    await t`
      update agg_totals t set leader_floor = greatest(2, coalesce((
        select c.sales_count from agg_customer c where c.part = t.part
        order by c.sales_count desc offset 199 limit 1), 2))`;
    await t`
      insert into agg_customer_leaders (part, customer_id, sales_count, revenue_cents)
      select c.part, c.customer_id, c.sales_count, c.revenue_cents
      from agg_customer c join agg_totals t using (part) where c.sales_count >= t.leader_floor`;
    await t`
      update agg_totals set
        customers = (select count(*) from customers), products = (select count(*) from products),
        categories = (select count(*) from categories)
      where part = (select min(part) from agg_totals)`;
  });
}
