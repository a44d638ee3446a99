/**
 * Retention by partitions (sql/0012_sales_retention.sql): `deno task retention` drops each month
 * of `sales` and of the minute log once all of it is older than SALES_RETENTION. Per month, in one
 * transaction: its figures by partition and key are added to `agg_retired` (so verify, rebuild and
 * the all-time top products keep them), its ids are deleted from `sale_ids` (the de-duplication
 * horizon moves past it), and both partitions are dropped whole. The all-time aggregates are not
 * touched: they keep their figures.
 */
import { sleep } from "../core/async.ts";
import type { Sql } from "../infra/db.ts";
import { monthOf } from "./sale_partitions.ts";

/** What retention last did: its setting (`400d`; null: keep everything) and the first moment kept. */
export interface RetentionState {
  /** SALES_RETENTION of the last `deno task retention`, like "400d"; null: keep everything */
  keep: string | null;
  /** sales filed before it were dropped, with their ids; null: nothing was ever dropped */
  keptFrom: Date | null;
  /** when `deno task retention` last ran; null: never */
  ranAt: Date | null;
}

/** Reads what retention last did (the dashboard's role may read it). */
export async function retentionState(sql: Sql): Promise<RetentionState> {
  const [row] = await sql<{ keep: string | null; kept_from: Date | null; ran_at: Date | null }[]>`
    select keep, kept_from, ran_at from sales_retention`;
  return {
    keep: row?.keep ?? null,
    keptFrom: row?.kept_from ?? null,
    ranAt: row?.ran_at ?? null,
  };
}

/** The minute (since the epoch) of the horizon, or null when nothing was dropped. */
export function horizonMinute(state: RetentionState): number | null {
  return state.keptFrom === null ? null : Math.floor(state.keptFrom.getTime() / 60_000);
}

/**
 * True when a selection's figures lack sales retention dropped: it reads the minute log (a range
 * or filters; all time without filters reads the all-time aggregates, which keep them) and starts
 * before the first moment kept.
 */
export function reachesPastRetention(
  state: RetentionState | undefined,
  sel: { fromMinute: number | null; toMinute: number | null; everything: boolean },
): boolean {
  const horizon = state ? horizonMinute(state) : null;
  if (horizon === null || sel.everything) return false;
  return sel.fromMinute === null || sel.fromMinute < horizon;
}

/** What one run of retention did. */
export interface RetentionReport {
  /** the months that have their partitions now (this one, the next two, those found in the defaults) */
  ensured: string[];
  /** the months dropped, "2025-01" */
  dropped: string[];
  /** sales removed from the default partition (filed before the horizon) */
  droppedFromDefault: number;
  /** the first moment kept after the run; null: nothing was ever dropped */
  keptFrom: Date | null;
}

/** How long retention waits for a lock before it gives up on a month (and says so). */
const LOCK_TIMEOUT = "10s";

/** Months ahead of the current one whose partitions retention creates. */
const MONTHS_AHEAD = 2;

/** "2025-01" for the month starting at `month`. */
function monthName(month: Date): string {
  return month.toISOString().slice(0, 7);
}

/**
 * Creates the partitions of this month, the next two and every month found in the default
 * partitions (moving their rows there), then, when `keepDays` is given, drops every month whose
 * end is at least `keepDays` before `now` (the horizon is the start of the month that holds
 * now - keepDays) and the sales of the default partition before the horizon. Runs as the
 * database's owner. `say` gets one line per month dropped.
 */
export async function applyRetention(
  sql: Sql,
  keepDays: number | undefined,
  now: Date = new Date(),
  say: (line: string) => void = () => {},
): Promise<RetentionReport> {
  const ensured = await ensureMonths(sql, now);
  const report: RetentionReport = { ensured, dropped: [], droppedFromDefault: 0, keptFrom: null };
  const keep = keepDays === undefined ? null : `${keepDays}d`;
  if (keepDays !== undefined) {
    const horizon = monthOf(new Date(now.getTime() - keepDays * 86_400_000));
    for (const { name, month } of await monthPartitions(sql)) {
      const end = new Date(Date.UTC(month.getUTCFullYear(), month.getUTCMonth() + 1, 1));
      if (end > horizon) continue;
      await untilNoDeadlock(() => dropMonth(sql, name, end));
      report.dropped.push(monthName(month));
      say(`dropped ${monthName(month)}: its sales and ids; its figures stay in the aggregates`);
    }
    report.droppedFromDefault = await untilNoDeadlock(() => dropDefaultBefore(sql, horizon));
  }
  await sql`
    update sales_retention set keep = ${keep}, ran_at = now()`;
  report.keptFrom = (await retentionState(sql)).keptFrom;
  return report;
}

/** Asks for the partitions of this month, the next ones and the months held by the defaults. */
async function ensureMonths(sql: Sql, now: Date): Promise<string[]> {
  const rows = await sql<{ month: Date }[]>`
    select distinct date_trunc('month', sold_at, 'UTC') as month from sales_default
    union
    select distinct date_trunc('month', to_timestamp(minute::bigint * 60), 'UTC')
    from agg_sales_minute_default`;
  const current = monthOf(now);
  const months = [
    ...Array.from(
      { length: MONTHS_AHEAD + 1 },
      (_, i) => new Date(Date.UTC(current.getUTCFullYear(), current.getUTCMonth() + i, 1)),
    ),
    ...rows.map((r) => r.month),
  ].sort((a, b) => a.getTime() - b.getTime());
  const ensured: string[] = [];
  for (const month of months) {
    const [row] = await sql<{ ok: boolean }[]>`select sales_partition_ensure(${month}) as ok`;
    if (row!.ok && !ensured.includes(monthName(month))) ensured.push(monthName(month));
  }
  return ensured;
}

/** The monthly partitions of `sales` (named sales_YYYY_MM by sales_partition_ensure()), oldest first. */
async function monthPartitions(sql: Sql): Promise<{ name: string; month: Date }[]> {
  const rows = await sql<{ name: string }[]>`
    select c.relname as name from pg_inherits i join pg_class c on c.oid = i.inhrelid
    where i.inhparent = 'sales'::regclass`;
  return rows.flatMap(({ name }) => {
    const match = /^sales_(\d{4})_(\d{2})$/.exec(name);
    return match
      ? [{ name, month: new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, 1)) }]
      : [];
  }).sort((a, b) => a.month.getTime() - b.month.getTime());
}

/** The sums by partition and key of the sales `from` selects, added to agg_retired. */
function retire(sql: Sql, from: ReturnType<Sql>) {
  return sql`
    insert into agg_retired as r (kind, part, key_id, sales_count, revenue_cents, cost_cents)
    select case
        when grouping(category_id) = 0 then 'category'
        when grouping(city_id) = 0 then 'city'
        when grouping(card_id) = 0 then 'card'
        when grouping(customer_id) = 0 then 'customer'
        when grouping(product_id) = 0 then 'product'
        else 'total' end,
      source_partition,
      case
        when grouping(category_id) = 0 then category_id
        when grouping(city_id) = 0 then city_id
        when grouping(card_id) = 0 then card_id
        when grouping(customer_id) = 0 then customer_id
        when grouping(product_id) = 0 then product_id
        else 0 end,
      count(*), sum((sale_price * 100)::bigint), sum((cost_price * 100)::bigint)
    from (${from}) s
    group by grouping sets ((source_partition, category_id), (source_partition, city_id),
      (source_partition, card_id), (source_partition, customer_id),
      (source_partition, product_id), (source_partition))
    on conflict (kind, part, key_id) do update set
      sales_count = r.sales_count + excluded.sales_count,
      revenue_cents = r.revenue_cents + excluded.revenue_cents,
      cost_cents = r.cost_cents + excluded.cost_cents`;
}

/** Times retention runs a month's transaction again after PostgreSQL broke a deadlock with it. */
const DEADLOCK_ATTEMPTS = 5;

/**
 * Runs a drop's transaction, again (after a short random pause) when PostgreSQL ends it to break a
 * deadlock. One is expected: a consumer's insert holds `sales` and waits for the month's partition,
 * which the drop holds and must then drop under `sales`' own lock. The transaction rolled back as a
 * whole, so running it again is safe; after the last attempt the error goes to the caller.
 */
async function untilNoDeadlock<T>(drop: () => Promise<T>): Promise<T> {
  for (let attempt = 1;; attempt++) {
    try {
      return await drop();
    } catch (error) {
      const deadlock = (error as { code?: string } | null)?.code === "40P01";
      if (!deadlock || attempt >= DEADLOCK_ATTEMPTS) throw error;
      await sleep(50 + Math.random() * 200 * attempt);
    }
  }
}

/**
 * Drops one month: stops writes to its partitions, retires its figures, forgets its ids, drops
 * both partitions and moves the horizon to `end`, in one transaction.
 */
async function dropMonth(sql: Sql, name: string, end: Date): Promise<void> {
  const log = `agg_sales_minute_${name.slice("sales_".length)}`;
  await sql.begin(async (tx) => {
    const t = tx as unknown as Sql;
    await t`select set_config('lock_timeout', ${LOCK_TIMEOUT}, true)`;
    const [found] = await t<{ log: string | null }[]>`select to_regclass(${log})::text as log`;
    await t`lock table ${t(name)} in access exclusive mode`;
    if (found!.log) await t`lock table ${t(log)} in access exclusive mode`;
    await retire(t, t`select * from ${t(name)}`);
    await t`
      delete from sale_ids i using ${t(name)} s
      where i.sale_key = sale_key(s.sale_id) and i.sale_id = s.sale_id`;
    await t`drop table ${t(name)}`;
    if (found!.log) await t`drop table ${t(log)}`;
    await t`
      update sales_retention set kept_from = greatest(kept_from, ${end})`;
  });
}

/**
 * Drops the sales of the default partition filed before `horizon` (a sale that arrived for a month
 * already dropped) the same way, and moves the horizon there; returns how many.
 */
async function dropDefaultBefore(sql: Sql, horizon: Date): Promise<number> {
  const minute = Math.floor(horizon.getTime() / 60_000);
  return await sql.begin(async (tx) => {
    const t = tx as unknown as Sql;
    await t`select set_config('lock_timeout', ${LOCK_TIMEOUT}, true)`;
    await t`lock table sales_default, agg_sales_minute_default in exclusive mode`;
    await retire(t, t`select * from sales_default where sold_at < ${horizon}`);
    await t`
      delete from sale_ids i using sales_default s
      where i.sale_key = sale_key(s.sale_id) and i.sale_id = s.sale_id
        and s.sold_at < ${horizon}`;
    const gone = await t`delete from sales_default where sold_at < ${horizon}`;
    await t`delete from agg_sales_minute_default where minute < ${minute}`;
    await t`
      update sales_retention
      set kept_from = greatest(kept_from, ${horizon})`;
    return gone.count;
  });
}
