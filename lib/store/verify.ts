/** Recomputes every aggregate from `sales` and reports drift; rebuilds the aggregates from `sales`. */
import type { Sql } from "../infra/db.ts";

/** One aggregate row that differs from a GROUP BY over `sales`. */
export interface Drift {
  table: string;
  key: string;
  stored: string;
  expected: string;
}

/** Each aggregate table: its key columns and the key expression over `sales`. */
const AGGREGATES = [
  { table: "sales_by_category", keys: ["category_id"] },
  { table: "sales_by_state", keys: ["state"] },
  { table: "sales_by_city", keys: ["state", "city"] },
  { table: "sales_by_card", keys: ["card_company"] },
  { table: "sales_by_customer", keys: ["customer_id"] },
  { table: "sales_by_minute", keys: ["minute"] },
] as const;

/** Compares every aggregate table and the totals row with `sales`; an empty list means no drift. */
export async function findDrift(sql: Sql): Promise<Drift[]> {
  const drift: Drift[] = [];
  for (const { table, keys } of AGGREGATES) {
    const expected = expectedFragment(sql, table);
    const rows = await sql`
      select ${sql([...keys])}, a.sales_count as a_count, a.revenue::text as a_revenue,
        a.cost::text as a_cost, e.sales_count as e_count, e.revenue::text as e_revenue, e.cost::text as e_cost
      from ${sql(table)} a full join (${expected}) e using (${sql([...keys])})
      where (a.sales_count, a.revenue, a.cost) is distinct from (e.sales_count, e.revenue, e.cost)
      limit 100`;
    for (const r of rows) {
      drift.push({
        table,
        key: keys.map((k) => String(r[k])).join("/"),
        stored: `${r.a_count ?? "-"} sales, ${r.a_revenue ?? "-"} revenue, ${r.a_cost ?? "-"} cost`,
        expected: `${r.e_count ?? "-"} sales, ${r.e_revenue ?? "-"} revenue, ${
          r.e_cost ?? "-"
        } cost`,
      });
    }
  }
  drift.push(...await findDanglingReferences(sql));
  const [t] = await sql`
    select t.sales_count, t.revenue::text as revenue, t.cost::text as cost,
      t.customers, t.products, t.categories,
      (select count(*) from sales) as e_count,
      (select coalesce(sum(sale_price), 0)::text from sales) as e_revenue,
      (select coalesce(sum(cost_price), 0)::text from sales) as e_cost,
      (select count(*) from customers) as e_customers,
      (select count(*) from products) as e_products,
      (select count(*) from categories) as e_categories
    from sales_totals t`;
  for (
    const [stored, expected] of [
      ["sales_count", "e_count"],
      ["revenue", "e_revenue"],
      ["cost", "e_cost"],
      ["customers", "e_customers"],
      ["products", "e_products"],
      ["categories", "e_categories"],
    ] as const
  ) {
    if (String(t![stored]) !== String(t![expected])) {
      drift.push({
        table: "sales_totals",
        key: stored,
        stored: String(t![stored]),
        expected: String(t![expected]),
      });
    }
  }
  return drift;
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

/** Replaces every aggregate with a GROUP BY over `sales`, atomically; consumers wait meanwhile. */
export async function rebuildAggregates(sql: Sql): Promise<void> {
  await sql.begin(async (tx) => {
    await tx`lock table sales in share mode`;
    for (const { table, keys } of AGGREGATES) {
      await tx`delete from ${tx(table)}`;
      await tx`
        insert into ${tx(table)} (${tx([...keys, "sales_count", "revenue", "cost"])})
        ${expectedFragment(tx as unknown as Sql, table)}`;
    }
    await tx`
      update sales_totals set
        sales_count = (select count(*) from sales),
        revenue = (select coalesce(sum(sale_price), 0) from sales),
        cost = (select coalesce(sum(cost_price), 0) from sales),
        customers = (select count(*) from customers),
        products = (select count(*) from products),
        categories = (select count(*) from categories),
        last_sale_at = (select max(sold_at) from sales),
        updated_at = now()`;
  });
}

/** The GROUP BY over `sales` that a table must equal (a fixed query per table, no input). */
function expectedFragment(sql: Sql, table: (typeof AGGREGATES)[number]["table"]) {
  const agg = sql`count(*) as sales_count, sum(sale_price) as revenue, sum(cost_price) as cost`;
  switch (table) {
    case "sales_by_category":
      return sql`select category_id, ${agg} from sales group by 1`;
    case "sales_by_state":
      return sql`select state, ${agg} from sales group by 1`;
    case "sales_by_city":
      return sql`select state, city, ${agg} from sales group by 1, 2`;
    case "sales_by_card":
      return sql`select card_company, ${agg} from sales group by 1`;
    case "sales_by_customer":
      return sql`select customer_id, ${agg} from sales group by 1`;
    case "sales_by_minute":
      return sql`select date_trunc('minute', sold_at) as minute, ${agg} from sales group by 1`;
  }
}
