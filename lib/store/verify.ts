/**
 * Recomputes every aggregate from `sales` and reports drift; rebuilds the aggregates from `sales`.
 * Under retention (lib/store/retention.ts) `sales` holds the months kept: the all-time aggregates
 * equal a GROUP BY over them plus the figures retired with the dropped months (agg_retired), and
 * the per-minute counters are compared and rebuilt from the horizon on only.
 */
import type { Sql } from "../infra/db.ts";
import { horizonMinute, retentionState } from "./retention.ts";

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

/**
 * Each aggregate of the partitions and the columns that key it (all derived from saleKeys); the
 * all-time ones name their kind of retired figures (`retired`: its key column).
 */
const AGGREGATES = [
  { table: "agg_category", keys: ["part", "category_id"], retired: "category" },
  { table: "agg_product", keys: ["part", "product_id"], retired: "product" },
  { table: "agg_city", keys: ["part", "city_id"], retired: "city" },
  { table: "agg_card", keys: ["part", "card_id"], retired: "card" },
  { table: "agg_customer", keys: ["customer_id", "part"], retired: "customer" },
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

/**
 * The GROUP BY over `sales` that an aggregate table must equal (fixed text, no input): plus the
 * figures of the dropped months of kind `retired` (keyed by `part` and the other key), if given.
 */
function expectedOf(sql: Sql, keys: readonly string[], retired?: string) {
  const k = sql(keys as string[]);
  if (retired === undefined) {
    return sql`
      select ${k}, count(*) as sales_count, sum(price_cents) as revenue_cents,
        sum(cost_cents) as cost_cents
      from (${saleKeys(sql)}) k
      group by ${k}`;
  }
  const key = keys.find((name) => name !== "part")!;
  return sql`
    select ${k}, sum(sales_count)::bigint as sales_count,
      sum(revenue_cents)::bigint as revenue_cents, sum(cost_cents)::bigint as cost_cents
    from (
      select ${k}, count(*) as sales_count, sum(price_cents) as revenue_cents,
        sum(cost_cents) as cost_cents
      from (${saleKeys(sql)}) k
      group by ${k}
      union all
      select ${k}, sales_count, revenue_cents, cost_cents
      from (select part, key_id as ${sql(key)}, sales_count, revenue_cents, cost_cents
        from agg_retired where kind = ${retired}) r
    ) e
    group by ${k}`;
}

/**
 * What an aggregate table holds per key (the minute log may hold a key in several rows); from
 * `fromMinute` on when given (the per-minute counters before the horizon have no sales to compare).
 */
function storedOf(sql: Sql, table: string, keys: readonly string[], fromMinute: number | null) {
  return sql`
    select ${sql(keys as string[])}, sum(sales_count) as sales_count,
      sum(revenue_cents) as revenue_cents, sum(cost_cents) as cost_cents
    from ${sql(table)}
    ${fromMinute === null ? sql`` : sql`where minute >= ${fromMinute}`}
    group by ${sql(keys as string[])}
    having sum(sales_count) > 0`;
}

/** The minutes compared for `table`: agg_minute's from the horizon on; all of any other. */
function fromMinuteOf(table: string, horizon: number | null): number | null {
  return table === "agg_minute" ? horizon : null;
}

/**
 * The GROUP BY that `table` must equal, limited like storedOf() (sales of the default partition
 * that arrived after their month was dropped are filed before the horizon: not compared there).
 */
function expectedFor(sql: Sql, table: string, keys: readonly string[], horizon: number | null) {
  const aggregate = AGGREGATES.find((a) => a.table === table)!;
  const from = fromMinuteOf(table, horizon);
  const retired = "retired" in aggregate ? aggregate.retired : undefined;
  if (from === null) return expectedOf(sql, keys, retired);
  return sql`select * from (${expectedOf(sql, keys, retired)}) x where minute >= ${from}`;
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
  const horizon = horizonMinute(await retentionState(sql));
  for (const { table, keys } of AGGREGATES) {
    const rows = await sql`
      select ${sql(keys as unknown as string[])},
        a.sales_count::text as a_count, a.revenue_cents::text as a_revenue,
        a.cost_cents::text as a_cost, e.sales_count::text as e_count,
        e.revenue_cents::text as e_revenue, e.cost_cents::text as e_cost
      from (${storedOf(sql, table, keys, fromMinuteOf(table, horizon))}) a
        full join (${expectedFor(sql, table, keys, horizon)}) e
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
      select part, sum(sales_count) as sales_count, sum(revenue_cents) as revenue_cents,
        sum(cost_cents) as cost_cents
      from (
        select part, count(*) as sales_count, sum(price_cents) as revenue_cents,
          sum(cost_cents) as cost_cents
        from (${saleKeys(sql)}) k group by part
        union all
        select part, sales_count, revenue_cents, cost_cents from agg_retired where kind = 'total'
      ) k group by part) e using (part)
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
  drift.push(...await findIdMismatches(sql));
  return drift;
}

/**
 * Sales without their row in `sale_ids` (or filed under another time there), and ids without
 * their sale: the de-duplication and the sales kept must agree exactly.
 */
async function findIdMismatches(sql: Sql): Promise<Drift[]> {
  const rows = await sql`
    select coalesce(s.sale_id, i.sale_id) as sale_id, s.sold_at as sale_at, i.sold_at as id_at,
      k.bad_key
    from sales s full join sale_ids i on i.sale_id = s.sale_id
      cross join lateral (select i.sale_key is distinct from sale_key(i.sale_id) as bad_key) k
    where s.sale_id is null or i.sale_id is null or s.sold_at <> i.sold_at or k.bad_key
    limit 100`;
  return rows.map((r) => ({
    table: "sale_ids",
    key: String(r.sale_id),
    stored: r.id_at === null
      ? "no id row"
      : r.bad_key
      ? "an id row whose key is not sale_key(sale_id)"
      : `id filed at ${(r.id_at as Date).toISOString()}`,
    expected: r.bad_key
      ? "the key sale_key(sale_id)"
      : r.sale_at === null
      ? "no id without its sale"
      : `id filed at ${(r.sale_at as Date).toISOString()} (the sale's)`,
  }));
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
 * Under retention the all-time aggregates add the retired figures of the dropped months, and the
 * per-minute figures before the horizon are kept as they are.
 */
export async function rebuildAggregates(sql: Sql): Promise<void> {
  await sql.begin(async (tx) => {
    const t = tx as unknown as Sql;
    await t`lock table sales, agg_totals, agg_retired, sales_retention in share row exclusive mode`;
    const horizon = horizonMinute(await retentionState(t));
    const fromHorizon = horizon === null ? t`` : t`where minute >= ${horizon}`;
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
    for (const aggregate of AGGREGATES) {
      const { table, keys } = aggregate;
      if (table === "agg_minute") continue; // it keeps the rejected and duplicate counters
      await t`delete from ${t(table)}`;
      await t`
        insert into ${t(table)} (${t([...keys, "sales_count", "revenue_cents", "cost_cents"])})
        ${expectedOf(t, keys, "retired" in aggregate ? aggregate.retired : undefined)}`;
    }
    await t`update agg_minute set sales_count = 0, revenue_cents = 0, cost_cents = 0 ${fromHorizon}`;
    await t`
      insert into agg_minute as a (minute, part, sales_count, revenue_cents, cost_cents)
      select * from (${expectedOf(t, ["minute", "part"])}) e ${fromHorizon}
      on conflict (minute, part) do update set sales_count = excluded.sales_count,
        revenue_cents = excluded.revenue_cents, cost_cents = excluded.cost_cents`;
    await t`
      delete from agg_minute
      where sales_count = 0 and rejected = 0 and duplicates = 0 and time_ahead = 0
        and time_too_old = 0`;
    await t`
      insert into agg_totals (part)
      select distinct source_partition from sales
      union select part from agg_retired
      on conflict (part) do nothing`;
    await t`
      update agg_totals a set
        sales_count = coalesce(e.sales_count, 0), revenue_cents = coalesce(e.revenue_cents, 0),
        cost_cents = coalesce(e.cost_cents, 0), last_sale_at = coalesce(e.last_sale_at, b.last_sale_at),
        customers = 0, products = 0, categories = 0, updated_at = now()
      from agg_totals b left join (
        select part, sum(sales_count)::bigint as sales_count,
          sum(revenue_cents)::bigint as revenue_cents, sum(cost_cents)::bigint as cost_cents,
          max(last_sale_at) as last_sale_at
        from (
          select source_partition as part, count(*) as sales_count,
            sum((sale_price * 100)::bigint) as revenue_cents,
            sum((cost_price * 100)::bigint) as cost_cents, max(sold_at) as last_sale_at
          from sales group by 1
          union all
          select part, sales_count, revenue_cents, cost_cents, null
          from agg_retired where kind = 'total'
        ) k group by part) e using (part)
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
