/** writeBatch(): the only code that writes sales to PostgreSQL, one transaction per batch and partition. */
import { cardFingerprint, contentHash } from "../core/hashing.ts";
import { centsToDecimal } from "../core/money.ts";
import type { Sale } from "../core/sale.ts";
import type { Sql } from "../infra/db.ts";
import { cardHashSecret } from "../infra/secret.ts";
import { type OffsetMove, storeOffset } from "./offsets.ts";

/** A decoded sale with where it came from on Kafka. */
export interface SourcedSale {
  sale: Sale;
  offset: string;
  soldAt: Date;
}

/** What one partition's batch contributes: its sales, its rejected count and its offset range. */
export interface BatchInput extends OffsetMove {
  sales: SourcedSale[];
  /** messages of the batch rejected before reaching here (bad data) */
  rejected: number;
}

/** What the batch changed. `conflicts` are sale ids already stored with other content. */
export interface BatchResult {
  inserted: number;
  duplicates: number;
  conflicts: SourcedSale[];
}

/** Hooks run inside the transaction, before it commits. */
export interface WriteHooks {
  /** Called with the conflicting duplicates; a throw rolls the batch back. */
  beforeCommit?: (result: BatchResult) => Promise<void>;
}

/** A sale with its card fingerprint and content hash, computed once. */
type HashedSale = SourcedSale & { fingerprint: string; hash: string };

/** Writes one partition's batch: entities, sales, aggregates and the offset, atomically. */
export async function writeBatch(
  sql: Sql,
  input: BatchInput,
  hooks: WriteHooks = {},
): Promise<BatchResult> {
  const secret = cardHashSecret();
  const hashed: HashedSale[] = input.sales.map((item) => {
    const fingerprint = cardFingerprint(item.sale.cardNumber, secret);
    return { ...item, fingerprint, hash: contentHash(item.sale, fingerprint) };
  });
  const unique = firstOfEachSale(hashed);
  return await sql.begin(async (tx) => {
    // First, so a consumer that lost the partition stops here, before any work.
    await storeOffset(tx as unknown as Sql, input);
    const stats = unique.length > 0
      ? await writeSales(tx as unknown as Sql, input.partition, unique)
      : {
        inserted: 0,
        newCategories: 0,
        newProducts: 0,
        newCustomers: 0,
        revenue: "0",
        cost: "0",
        lastSaleAt: null,
        existing: new Map<string, string>(),
      };
    const conflicts = findConflicts(hashed, stats.existing);
    const duplicates = input.sales.length - stats.inserted - conflicts.length;
    const result: BatchResult = { inserted: stats.inserted, duplicates, conflicts };

    await tx`
      update sales_totals set
        sales_count = sales_count + ${stats.inserted},
        revenue = revenue + ${stats.revenue}::numeric,
        cost = cost + ${stats.cost}::numeric,
        categories = categories + ${stats.newCategories},
        products = products + ${stats.newProducts},
        customers = customers + ${stats.newCustomers},
        rejected = rejected + ${input.rejected + conflicts.length},
        duplicates = duplicates + ${duplicates},
        last_sale_at = greatest(last_sale_at, ${stats.lastSaleAt}::timestamptz),
        updated_at = now()`;
    await hooks.beforeCommit?.(result);
    return result;
  });
}

/** The first appearance of each sale id in the batch, in batch order. */
function firstOfEachSale<T extends SourcedSale>(sales: T[]): T[] {
  const first = new Map<string, T>();
  for (const item of sales) if (!first.has(item.sale.saleId)) first.set(item.sale.saleId, item);
  return [...first.values()];
}

/**
 * Messages whose sale id is already known with other content. The reference is the stored row
 * when the sale existed before the batch, else the first appearance in the batch (the one stored).
 */
function findConflicts(sales: HashedSale[], existing: Map<string, string>) {
  const reference = new Map(existing);
  const conflicts: SourcedSale[] = [];
  for (const item of sales) {
    const known = reference.get(item.sale.saleId);
    if (known === undefined) reference.set(item.sale.saleId, item.hash);
    else if (known !== item.hash) conflicts.push(item);
  }
  return conflicts;
}

/** Upserts the batch's categories, products and customers, then inserts its new sales and adds them to every aggregate. */
async function writeSales(tx: Sql, partition: number, sales: HashedSale[]) {
  const s = sales.map((x) => x.sale);
  const categories = [...new Set(s.map((x) => x.category))].sort();
  const products = uniqueBy(s, (x) => JSON.stringify([x.category, x.productName]));
  const customers = uniqueBy(s, (x) => x.email);
  sales.sort((
    a,
    b,
  ) => (a.sale.saleId < b.sale.saleId ? -1 : a.sale.saleId > b.sale.saleId ? 1 : 0));

  const [[cat], [prod], [cust], [ins]] = await Promise.all([
    tx`
      with ins as (
        insert into categories (name)
        select name from unnest(${categories}::text[]) as t(name) order by name
        on conflict (name) do nothing returning 1)
      select count(*)::int as n from ins`,
    tx`
      with ins as (
        insert into products (category_id, name)
        select c.category_id, t.name
        from unnest(${products.map((p) => p.category)}::text[], ${
      products.map((p) => p.productName)
    }::text[])
          as t(category, name)
        join categories c on c.name = t.category
        order by c.category_id, t.name
        on conflict (category_id, name) do nothing returning 1)
      select count(*)::int as n from ins`,
    tx`
      with ins as (
        insert into customers (email, first_name, last_name, job_title, street, city, state, zipcode)
        select * from unnest(
          ${customers.map((c) => c.email)}::text[], ${customers.map((c) => c.firstName)}::text[],
          ${customers.map((c) => c.lastName)}::text[], ${customers.map((c) => c.jobTitle)}::text[],
          ${customers.map((c) => c.street)}::text[], ${customers.map((c) => c.city)}::text[],
          ${customers.map((c) => c.state)}::text[], ${customers.map((c) => c.zipcode)}::text[])
          as t(email, first_name, last_name, job_title, street, city, state, zipcode)
        order by email
        on conflict (email) do nothing returning 1)
      select count(*)::int as n from ins`,
    tx`
      with input as (
        select * from unnest(
          ${sales.map((x) => x.sale.saleId)}::text[],
          ${sales.map((x) => x.sale.email)}::text[],
          ${sales.map((x) => x.sale.category)}::text[],
          ${sales.map((x) => x.sale.productName)}::text[],
          ${sales.map((x) => centsToDecimal(x.sale.salePriceCents))}::numeric[],
          ${sales.map((x) => centsToDecimal(x.sale.costPriceCents))}::numeric[],
          ${sales.map((x) => x.sale.cardCompany)}::text[],
          ${sales.map((x) => x.sale.cardNumber.slice(-4))}::text[],
          ${sales.map((x) => x.fingerprint)}::text[],
          ${sales.map((x) => String(x.sale.cardExpMonth))}::smallint[],
          ${sales.map((x) => String(x.sale.cardExpYear))}::smallint[],
          ${sales.map((x) => x.sale.street)}::text[],
          ${sales.map((x) => x.sale.city)}::text[],
          ${sales.map((x) => x.sale.state)}::text[],
          ${sales.map((x) => x.sale.zipcode)}::text[],
          ${sales.map((x) => x.soldAt.toISOString())}::timestamptz[],
          ${sales.map((x) => x.offset)}::bigint[],
          ${sales.map((x) => x.hash)}::text[])
          as t(sale_id, email, category, product_name, sale_price, cost_price, card_company,
               card_last4, card_fingerprint, card_exp_month, card_exp_year, street, city, state,
               zipcode, sold_at, source_offset, content_hash)
      ),
      ins as (
        insert into sales (sale_id, customer_id, product_id, category_id, sale_price, cost_price,
          card_company, card_last4, card_fingerprint, card_exp_month, card_exp_year,
          street, city, state, zipcode, sold_at, source_partition, source_offset, content_hash)
        select i.sale_id, cu.customer_id, p.product_id, c.category_id, i.sale_price, i.cost_price,
          i.card_company, i.card_last4, i.card_fingerprint, i.card_exp_month, i.card_exp_year,
          i.street, i.city, i.state, i.zipcode, i.sold_at, ${partition}, i.source_offset, i.content_hash
        from input i
        join categories c on c.name = i.category
        join products p on p.category_id = c.category_id and p.name = i.product_name
        join customers cu on cu.email = i.email
        order by i.sale_id
        on conflict (sale_id) do nothing
        returning category_id, customer_id, sale_price, cost_price, card_company, city, state, sold_at
      ),
      by_category as (
        insert into sales_by_category as a (category_id, sales_count, revenue, cost)
        select category_id, count(*), sum(sale_price), sum(cost_price) from ins group by 1 order by 1
        on conflict (category_id) do update set sales_count = a.sales_count + excluded.sales_count,
          revenue = a.revenue + excluded.revenue, cost = a.cost + excluded.cost
      ),
      by_state as (
        insert into sales_by_state as a (state, sales_count, revenue, cost)
        select state, count(*), sum(sale_price), sum(cost_price) from ins group by 1 order by 1
        on conflict (state) do update set sales_count = a.sales_count + excluded.sales_count,
          revenue = a.revenue + excluded.revenue, cost = a.cost + excluded.cost
      ),
      by_city as (
        insert into sales_by_city as a (state, city, sales_count, revenue, cost)
        select state, city, count(*), sum(sale_price), sum(cost_price) from ins
        group by 1, 2 order by 1, 2
        on conflict (state, city) do update set sales_count = a.sales_count + excluded.sales_count,
          revenue = a.revenue + excluded.revenue, cost = a.cost + excluded.cost
      ),
      by_card as (
        insert into sales_by_card as a (card_company, sales_count, revenue, cost)
        select card_company, count(*), sum(sale_price), sum(cost_price) from ins group by 1 order by 1
        on conflict (card_company) do update set sales_count = a.sales_count + excluded.sales_count,
          revenue = a.revenue + excluded.revenue, cost = a.cost + excluded.cost
      ),
      by_customer as (
        insert into sales_by_customer as a (customer_id, sales_count, revenue, cost)
        select customer_id, count(*), sum(sale_price), sum(cost_price) from ins group by 1 order by 1
        on conflict (customer_id) do update set sales_count = a.sales_count + excluded.sales_count,
          revenue = a.revenue + excluded.revenue, cost = a.cost + excluded.cost
      ),
      by_minute as (
        insert into sales_by_minute as a (minute, sales_count, revenue, cost)
        select date_trunc('minute', sold_at), count(*), sum(sale_price), sum(cost_price) from ins
        group by 1 order by 1
        on conflict (minute) do update set sales_count = a.sales_count + excluded.sales_count,
          revenue = a.revenue + excluded.revenue, cost = a.cost + excluded.cost
      )
      select
        (select count(*) from ins)::int as inserted,
        (select coalesce(sum(sale_price), 0) from ins)::text as revenue,
        (select coalesce(sum(cost_price), 0) from ins)::text as cost,
        (select max(sold_at) from ins) as last_sale_at,
        -- Only when some sale was not inserted: the rows stored before this statement.
        (select coalesce(json_object_agg(s.sale_id, s.content_hash), '{}') from input i
          join sales s using (sale_id)
          where (select count(*) from ins) < ${sales.length}) as existing_hashes`,
  ]);
  const existing = Object.keys(ins!.existing_hashes as Record<string, string>).length;
  if (ins!.inserted + existing !== sales.length) {
    throw new Error(
      `writeBatch lost track of ${sales.length - ins!.inserted - existing} sales; rolled back`,
    );
  }
  return {
    inserted: ins!.inserted as number,
    newCategories: cat!.n as number,
    newProducts: prod!.n as number,
    newCustomers: cust!.n as number,
    revenue: ins!.revenue as string,
    cost: ins!.cost as string,
    lastSaleAt: ins!.last_sale_at as Date | null,
    existing: new Map(Object.entries(ins!.existing_hashes as Record<string, string>)),
  };
}

function uniqueBy<T>(items: T[], key: (item: T) => string): T[] {
  const seen = new Map<string, T>();
  for (const item of items) if (!seen.has(key(item))) seen.set(key(item), item);
  return [...seen.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, v]) => v);
}
