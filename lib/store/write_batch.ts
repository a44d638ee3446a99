/**
 * writeBatch(): the only code that writes sales to PostgreSQL. Per batch and partition: the
 * dimension rows in a short transaction of their own (idempotent), the month partitions its sales
 * need (asked once per month), then one transaction that moves the offset, inserts the new sales
 * and adds exactly those to the partition's aggregate rows (totals; per minute; by category, product,
 * city, card company and customer; the minute log).
 */
import { cardFingerprint, contentHash } from "../core/hashing.ts";
import type { Sale } from "../core/sale.ts";
import type { UntrustedTime } from "../core/sale_time.ts";
import type { Sql } from "../infra/db.ts";
import { cardHashSecret } from "../infra/secret.ts";
import { dimensionIds, type SaleIds } from "./dimensions.ts";
import { intArray, textArray } from "./pg_arrays.ts";
import { type OffsetMove, storeOffset } from "./offsets.ts";
import { ensureSaleMonths } from "./sale_partitions.ts";

/** A decoded sale with where it came from on Kafka. */
export interface SourcedSale {
  sale: Sale;
  offset: string;
  soldAt: Date;
  /** why soldAt is the time the consumer read the record, not the record's timestamp */
  untrustedTime?: UntrustedTime;
}

/** What one partition's batch contributes: its sales, its rejected count and its offset range. */
export interface BatchInput extends OffsetMove {
  sales: SourcedSale[];
  /** messages of the batch rejected before reaching here (bad data) */
  rejected: number;
  /** when the batch's newest message was written to Kafka: dates its rejected and duplicates */
  at?: Date;
}

/** What the batch changed. `conflicts` are sale ids already stored with other content. */
export interface BatchResult {
  inserted: number;
  duplicates: number;
  conflicts: SourcedSale[];
  /** inserted sales filed at the time they were read, by why their timestamp was not trusted */
  untrustedTimes: Record<UntrustedTime, number>;
}

/** Hooks run inside the transaction, before it commits. */
export interface WriteHooks {
  /** Called with the conflicting duplicates; a throw rolls the batch back. */
  beforeCommit?: (result: BatchResult) => Promise<void>;
}

/** A sale with its card fingerprint and content hash, computed once. */
type HashedSale = SourcedSale & { fingerprint: string; hash: string };

/** Writes one partition's batch: dimension rows, then sales, aggregates and the offset atomically. */
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
  const unique = firstOfEachSale(hashed).sort((a, b) => compare(a.sale.saleId, b.sale.saleId));
  const ids = unique.length > 0
    ? await dimensionIds(sql, input.partition, unique.map((x) => x.sale))
    : [];
  await ensureSaleMonths(sql, unique.map((x) => x.soldAt));
  return await sql.begin(async (tx) => {
    const t = tx as unknown as Sql;
    // First, so a consumer that lost the partition stops here, before any work.
    await storeOffset(t, input);
    const stats = unique.length > 0
      ? await writeSales(t, input.partition, unique, ids)
      : { inserted: 0, revenueCents: "0", costCents: "0", lastSaleAt: null, existing: new Map() };
    const conflicts = findConflicts(hashed, stats.existing);
    const duplicates = input.sales.length - stats.inserted - conflicts.length;
    const rejected = input.rejected + conflicts.length;
    const untrusted = untrustedAmongInserted(unique, stats.existing);
    const untrustedTimes = { ahead: 0, tooOld: 0 };
    for (const u of untrusted) untrustedTimes[u.reason]++;
    const result: BatchResult = { inserted: stats.inserted, duplicates, conflicts, untrustedTimes };
    await t`
      insert into agg_totals as a (part, sales_count, revenue_cents, cost_cents, rejected,
        duplicates, time_ahead, time_too_old, last_sale_at, updated_at)
      values (${input.partition}, ${stats.inserted}, ${stats.revenueCents}, ${stats.costCents},
        ${rejected}, ${duplicates}, ${untrustedTimes.ahead}, ${untrustedTimes.tooOld},
        ${stats.lastSaleAt}, now())
      on conflict (part) do update set
        sales_count = a.sales_count + excluded.sales_count,
        revenue_cents = a.revenue_cents + excluded.revenue_cents,
        cost_cents = a.cost_cents + excluded.cost_cents,
        rejected = a.rejected + excluded.rejected,
        duplicates = a.duplicates + excluded.duplicates,
        time_ahead = a.time_ahead + excluded.time_ahead,
        time_too_old = a.time_too_old + excluded.time_too_old,
        last_sale_at = greatest(a.last_sale_at, excluded.last_sale_at),
        updated_at = now()`;
    if (untrusted.length > 0) {
      await t`
        insert into agg_minute as a (minute, part, time_ahead, time_too_old)
        select minute, ${input.partition}, count(*) filter (where reason = 'ahead'),
          count(*) filter (where reason = 'tooOld')
        from unnest(${intArray(untrusted.map((u) => u.minute))}::integer[],
          ${textArray(untrusted.map((u) => u.reason))}::text[]) as u(minute, reason)
        group by minute
        on conflict (minute, part) do update set time_ahead = a.time_ahead + excluded.time_ahead,
          time_too_old = a.time_too_old + excluded.time_too_old`;
    }
    if (stats.inserted > 0) await trimLeaders(t, input.partition);
    if (rejected > 0 || duplicates > 0) {
      const at = input.at ?? input.sales.at(-1)?.soldAt ?? new Date();
      await t`
        insert into agg_minute as a (minute, part, rejected, duplicates)
        values (${minuteOf(at)}, ${input.partition}, ${rejected}, ${duplicates})
        on conflict (minute, part) do update set
          rejected = a.rejected + excluded.rejected, duplicates = a.duplicates + excluded.duplicates`;
    }
    await hooks.beforeCommit?.(result);
    return result;
  });
}

/** Leaders a partition keeps at least: its floor rises to the count of the 200th. */
const LEADERS = 200;

/**
 * Raises the partition's leader floor to the purchases of its 200th leader and drops the leaders
 * below it: every customer with at least the floor stays, so the list stays exact and short.
 */
async function trimLeaders(tx: Sql, partition: number): Promise<void> {
  await tx`
    with cut as (
      select sales_count from agg_customer_leaders where part = ${partition}
      order by sales_count desc, revenue_cents desc, customer_id
      offset ${LEADERS - 1} limit 1
    ),
    raised as (
      update agg_totals set leader_floor = (select sales_count from cut)
      where part = ${partition} and (select sales_count from cut) > leader_floor
      returning leader_floor
    )
    delete from agg_customer_leaders
    where part = ${partition} and sales_count < (select leader_floor from raised)`;
}

/** Whole minutes since the epoch (UTC): the key of a minute bucket. */
export function minuteOf(at: Date): number {
  return Math.floor(at.getTime() / 60_000);
}

/**
 * The sales of `unique` this batch inserted (not stored before it, `existing`) whose record
 * timestamp was not trusted, with the minute each is filed under.
 */
function untrustedAmongInserted(unique: SourcedSale[], existing: Map<string, string>) {
  return unique.flatMap((x) =>
    x.untrustedTime && !existing.has(x.sale.saleId)
      ? [{ reason: x.untrustedTime, minute: minuteOf(x.soldAt) }]
      : []
  );
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

/** Inserts the batch's new sales and adds them to the partition's aggregates, in one statement. */
async function writeSales(tx: Sql, partition: number, sales: HashedSale[], ids: SaleIds[]) {
  const [row] = await tx`
    with input as (
      select * from unnest(
        ${textArray(sales.map((x) => x.sale.saleId))}::text[],
        ${intArray(ids.map((x) => x.customerId))}::integer[],
        ${intArray(ids.map((x) => x.productId))}::integer[],
        ${intArray(ids.map((x) => x.categoryId))}::integer[],
        ${intArray(ids.map((x) => x.cityId))}::integer[],
        ${intArray(ids.map((x) => x.cardId))}::smallint[],
        ${intArray(sales.map((x) => x.sale.salePriceCents))}::bigint[],
        ${intArray(sales.map((x) => x.sale.costPriceCents))}::bigint[],
        ${textArray(sales.map((x) => x.sale.cardCompany))}::text[],
        ${textArray(sales.map((x) => x.sale.cardNumber.slice(-4)))}::text[],
        ${textArray(sales.map((x) => `\\x${x.fingerprint}`))}::bytea[],
        ${intArray(sales.map((x) => x.sale.cardExpMonth))}::smallint[],
        ${intArray(sales.map((x) => x.sale.cardExpYear))}::smallint[],
        ${textArray(sales.map((x) => x.sale.street))}::text[],
        ${textArray(sales.map((x) => x.sale.city))}::text[],
        ${textArray(sales.map((x) => x.sale.state))}::text[],
        ${textArray(sales.map((x) => x.sale.zipcode))}::text[],
        ${textArray(sales.map((x) => x.soldAt.toISOString()))}::timestamptz[],
        ${intArray(sales.map((x) => x.offset))}::bigint[],
        ${textArray(sales.map((x) => `\\x${x.hash}`))}::bytea[],
        ${intArray(sales.map((x) => minuteOf(x.soldAt)))}::integer[])
        as t(sale_id, customer_id, product_id, category_id, city_id, card_id, price_cents,
             cost_cents, card_company, card_last4, card_fingerprint, card_exp_month,
             card_exp_year, street, city, state, zipcode, sold_at, source_offset, content_hash,
             minute)
    ),
    -- The de-duplication: an id is stored once across every month kept (sql/0012).
    ids as (
      insert into sale_ids (sale_key, sale_id, sold_at, content_hash)
      select sale_key(sale_id), sale_id, sold_at, content_hash from input
      order by 1
      on conflict (sale_key) do nothing
      returning sale_id
    ),
    ins as (
      insert into sales (sale_id, customer_id, product_id, category_id, city_id, card_id,
        sale_price, cost_price, card_company, card_last4, card_fingerprint, card_exp_month,
        card_exp_year, street, city, state, zipcode, sold_at, source_partition, source_offset)
      select sale_id, customer_id, product_id, category_id, city_id, card_id,
        price_cents::numeric / 100, cost_cents::numeric / 100, card_company, card_last4,
        card_fingerprint, card_exp_month, card_exp_year, street, city, state, zipcode, sold_at,
        ${partition}, source_offset
      from input
      where sale_id in (select sale_id from ids)
    ),
    -- The inserted sales (not the ones already stored) with their bucket keys and cents, from the
    -- input (minute and cents as the client sent them), not from what the insert returns.
    new as (
      select customer_id, category_id, product_id, city_id, card_id, state, sold_at, minute,
        price_cents, cost_cents
      from input
      where sale_id in (select sale_id from ids)
    ),
    minute_log as (
      insert into agg_sales_minute (minute, part, customer_id, city_id, product_id, card_id,
        category_id, state, sales_count, revenue_cents, cost_cents)
      select minute, ${partition}, customer_id, city_id, product_id, card_id, category_id, state,
        count(*), sum(price_cents), sum(cost_cents)
      from new group by minute, customer_id, city_id, product_id, card_id, category_id, state
    ),
    by_minute as (
      insert into agg_minute as a (minute, part, sales_count, revenue_cents, cost_cents)
      select minute, ${partition}, count(*), sum(price_cents), sum(cost_cents)
      from new group by minute
      on conflict (minute, part) do update set
        sales_count = a.sales_count + excluded.sales_count,
        revenue_cents = a.revenue_cents + excluded.revenue_cents,
        cost_cents = a.cost_cents + excluded.cost_cents
    ),
    by_category as (
      insert into agg_category as a (part, category_id, sales_count, revenue_cents, cost_cents)
      select ${partition}, category_id, count(*), sum(price_cents), sum(cost_cents)
      from new group by category_id
      on conflict (part, category_id) do update set
        sales_count = a.sales_count + excluded.sales_count,
        revenue_cents = a.revenue_cents + excluded.revenue_cents,
        cost_cents = a.cost_cents + excluded.cost_cents
    ),
    by_product as (
      insert into agg_product as a (part, product_id, sales_count, revenue_cents, cost_cents)
      select ${partition}, product_id, count(*), sum(price_cents), sum(cost_cents)
      from new group by product_id
      on conflict (part, product_id) do update set
        sales_count = a.sales_count + excluded.sales_count,
        revenue_cents = a.revenue_cents + excluded.revenue_cents,
        cost_cents = a.cost_cents + excluded.cost_cents
    ),
    by_city as (
      insert into agg_city as a (part, city_id, sales_count, revenue_cents, cost_cents)
      select ${partition}, city_id, count(*), sum(price_cents), sum(cost_cents)
      from new group by city_id
      on conflict (part, city_id) do update set
        sales_count = a.sales_count + excluded.sales_count,
        revenue_cents = a.revenue_cents + excluded.revenue_cents,
        cost_cents = a.cost_cents + excluded.cost_cents
    ),
    by_card as (
      insert into agg_card as a (part, card_id, sales_count, revenue_cents, cost_cents)
      select ${partition}, card_id, count(*), sum(price_cents), sum(cost_cents)
      from new group by card_id
      on conflict (part, card_id) do update set
        sales_count = a.sales_count + excluded.sales_count,
        revenue_cents = a.revenue_cents + excluded.revenue_cents,
        cost_cents = a.cost_cents + excluded.cost_cents
    ),
    by_customer as (
      insert into agg_customer as a (customer_id, part, sales_count, revenue_cents, cost_cents)
      select customer_id, ${partition}, count(*), sum(price_cents), sum(cost_cents)
      from new group by customer_id
      on conflict (customer_id, part) do update set
        sales_count = a.sales_count + excluded.sales_count,
        revenue_cents = a.revenue_cents + excluded.revenue_cents,
        cost_cents = a.cost_cents + excluded.cost_cents
      returning customer_id, sales_count, revenue_cents
    ),
    -- Customers at or above the partition's floor join (or move in) its leaders.
    leaders as (
      insert into agg_customer_leaders as l (part, customer_id, sales_count, revenue_cents)
      select ${partition}, customer_id, sales_count, revenue_cents from by_customer
      where sales_count >= coalesce(
        (select leader_floor from agg_totals where part = ${partition}), 2)
      on conflict (part, customer_id) do update set sales_count = excluded.sales_count,
        revenue_cents = excluded.revenue_cents
    )
    select
      (select count(*) from new)::int as inserted,
      (select coalesce(sum(price_cents), 0) from new)::text as revenue_cents,
      (select coalesce(sum(cost_cents), 0) from new)::text as cost_cents,
      (select max(sold_at) from new) as last_sale_at,
      -- Only when some sale was not inserted: the rows stored before this statement.
      (select coalesce(json_object_agg(s.sale_id, encode(s.content_hash, 'hex')), '{}')
        from input i
        join sale_ids s on s.sale_key = sale_key(i.sale_id) and s.sale_id = i.sale_id
        where (select count(*) from ids) < ${sales.length}) as existing_hashes`;
  const existing = new Map(Object.entries(row!.existing_hashes as Record<string, string>));
  if (row!.inserted + existing.size !== sales.length) {
    throw new Error(
      `writeBatch lost track of ${sales.length - row!.inserted - existing.size} sales; rolled back`,
    );
  }
  return {
    inserted: row!.inserted as number,
    revenueCents: row!.revenue_cents as string,
    costCents: row!.cost_cents as string,
    lastSaleAt: row!.last_sale_at as Date | null,
    existing,
  };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
