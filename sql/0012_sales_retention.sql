-- Retention by partitions. `sales` and the minute log `agg_sales_minute`, the two tables that grow
-- with every sale, are partitioned by month (UTC) of the time a sale is filed under, so a month
-- older than SALES_RETENTION is dropped whole (`deno task retention`, lib/store/retention.ts)
-- instead of deleted row by row. The all-time aggregates (agg_totals, agg_category, agg_city,
-- agg_card, agg_customer) and the per-minute counters (agg_minute, one row per minute and Kafka
-- partition, not per sale) are never dropped.
--
-- De-duplication. A unique index of a partitioned table must contain its partition key, so
-- `sale_id` cannot stay unique across the months of `sales`: a re-sent copy of a sale may be filed
-- under another time (lib/core/sale_time.ts), hence another month. The ids move to `sale_ids`, one
-- narrow unpartitioned table whose primary key is the sale id alone: writeBatch inserts there
-- first (ON CONFLICT (sale_id) DO NOTHING RETURNING) and stores in `sales` only the sales it
-- returns, so a sale is stored and counted once across every month kept, whatever its time, also
-- when two consumers write the same id at once. Each id row says where its sale is filed
-- (`sold_at`) and holds its content hash (which tells a re-delivery from a conflicting
-- duplicate), so `sales` needs no index on sale_id and no hash. Ids are forgotten with their
-- month (retention deletes them, then drops the partitions): a sale re-delivered after its month
-- was dropped is counted again. That moment, the de-duplication horizon, is kept in
-- `sales_retention.kept_from` and shown by /api/summary.
--
-- The existing rows are copied once, in this transaction: nothing is lost or counted twice.

set local "TimeZone" = 'UTC';
lock table sales, agg_sales_minute in access exclusive mode;

alter table sales rename to sales_unpartitioned;
alter index sales_pkey rename to sales_unpartitioned_pkey;
alter index sales_sold_at rename to sales_unpartitioned_sold_at;
alter table agg_sales_minute rename to agg_sales_minute_unpartitioned;
alter index agg_sales_minute_minute rename to agg_sales_minute_unpartitioned_minute;

-- Every stored sale's id, where it is filed, and its content hash (HMAC under the card-hash key).
create table sale_ids (
  sale_id text primary key,
  sold_at timestamptz not null,
  content_hash bytea not null
);

create table sales (
  sale_id text not null,
  customer_id integer not null,
  product_id integer not null,
  category_id integer not null,
  sale_price numeric(14, 2) not null check (sale_price >= 0),
  cost_price numeric(14, 2) not null check (cost_price >= 0),
  card_company text not null,
  card_last4 text not null check (card_last4 ~ '^[0-9]{4}$'),
  card_fingerprint bytea not null,
  card_exp_month smallint not null check (card_exp_month between 1 and 12),
  card_exp_year smallint not null,
  street text not null,
  city text not null,
  state text not null,
  zipcode text not null,
  sold_at timestamptz not null,
  ingested_at timestamptz not null default now(),
  source_partition integer not null,
  source_offset bigint not null,
  city_id integer,
  card_id smallint
) partition by range (sold_at);
create index sales_sold_at on sales (sold_at);
-- Sales of a month without its partition land here (never an error); the next write of that
-- month, or `deno task retention`, moves them into their month's partition.
create table sales_default partition of sales default;

create table agg_sales_minute (
  minute integer not null,
  part smallint not null,
  customer_id integer not null,
  city_id integer not null,
  product_id integer not null,
  card_id smallint not null,
  category_id integer not null,
  state text not null,
  sales_count integer not null,
  revenue_cents bigint not null,
  cost_cents bigint not null
) partition by range (minute);
create index agg_sales_minute_minute on agg_sales_minute (minute);
create table agg_sales_minute_default partition of agg_sales_minute default;

-- What retention has done: the setting it last ran with ('400d'; null: keep everything) and the
-- first moment still kept (null: nothing was ever dropped). Sales filed before kept_from are gone,
-- and so are their ids: a copy of one arriving now is stored and counted again.
create table sales_retention (
  only_row boolean primary key default true check (only_row),
  keep text,
  kept_from timestamptz,
  ran_at timestamptz
);
insert into sales_retention default values;

-- The figures of the dropped months, by Kafka partition and key (kind: category, city, card,
-- customer, product; total with key 0): verify and rebuild add them to the GROUP BY over the
-- sales kept, and the all-time top products add the products'.
create table agg_retired (
  kind text not null check (kind in ('category', 'city', 'card', 'customer', 'product', 'total')),
  part smallint not null,
  key_id integer not null,
  sales_count bigint not null,
  revenue_cents bigint not null,
  cost_cents bigint not null,
  primary key (kind, part, key_id)
);

-- Creates the month's partitions of `sales` and of the minute log when missing, moving that
-- month's rows out of the default partitions, and answers true; answers false (and creates
-- nothing) for a month retention has dropped or one outside 2000-01 .. a year from now. Safe to
-- call from any number of sessions at once. It runs as its owner (the consumer, which may not
-- create tables, calls it for each new month it writes), and waits for locks at most 2 s: when it
-- cannot, the sales of that month stay in the default partition until the next call.
create function sales_partition_ensure(at timestamptz) returns boolean
language plpgsql security definer
set search_path = public, pg_temp
set "TimeZone" = 'UTC'
set lock_timeout = '2s'
as $$
declare
  first timestamptz := date_trunc('month', at);
  next timestamptz := date_trunc('month', at) + interval '1 month';
  suffix text := to_char(date_trunc('month', at), 'YYYY_MM');
  kept timestamptz;
begin
  if first < timestamptz '2000-01-01 00:00Z' or first > now() + interval '1 year' then
    return false;
  end if;
  select kept_from into kept from sales_retention;
  if kept is not null and first < kept then
    return false;
  end if;
  if to_regclass('public.sales_' || suffix) is not null
    and to_regclass('public.agg_sales_minute_' || suffix) is not null then
    return true;
  end if;
  -- One creator at a time. Taking the defaults' locks also brings this session's view of the
  -- catalog up to date (an advisory lock does not), so a partition another session has just
  -- created is seen below.
  perform pg_advisory_xact_lock(7347002);
  lock table sales_default, agg_sales_minute_default in access exclusive mode;
  if to_regclass('public.sales_' || suffix) is null then
    execute format('create table %I (like sales including defaults including constraints)',
      'sales_' || suffix);
    execute format('with moved as (delete from sales_default where sold_at >= $1 and '
      'sold_at < $2 returning *) insert into %I select * from moved', 'sales_' || suffix)
      using first, next;
    execute format('alter table sales attach partition %I for values from (%L) to (%L)',
      'sales_' || suffix, first, next);
  end if;
  if to_regclass('public.agg_sales_minute_' || suffix) is null then
    execute format(
      'create table %I (like agg_sales_minute including defaults including constraints)',
      'agg_sales_minute_' || suffix);
    execute format('with moved as (delete from agg_sales_minute_default where minute >= $1 and '
      'minute < $2 returning *) insert into %I select * from moved', 'agg_sales_minute_' || suffix)
      using (extract(epoch from first)::bigint / 60)::integer, (extract(epoch from next)::bigint / 60)::integer;
    execute format('alter table agg_sales_minute attach partition %I for values from (%s) to (%s)',
      'agg_sales_minute_' || suffix, (extract(epoch from first)::bigint / 60)::integer,
      (extract(epoch from next)::bigint / 60)::integer);
  end if;
  return true;
end $$;
revoke execute on function sales_partition_ensure(timestamptz) from public;

-- The months that hold sales, and this month and the next two, get their partitions; then the
-- rows are copied.
select sales_partition_ensure(m)
from (
  select distinct date_trunc('month', sold_at, 'UTC') as m from sales_unpartitioned
  union select date_trunc('month', now(), 'UTC') + make_interval(months => n)
  from generate_series(0, 2) n
) months
order by m;

insert into sale_ids (sale_id, sold_at, content_hash)
select sale_id, sold_at, content_hash from sales_unpartitioned;

insert into sales (sale_id, customer_id, product_id, category_id, sale_price, cost_price,
  card_company, card_last4, card_fingerprint, card_exp_month, card_exp_year, street, city, state,
  zipcode, sold_at, ingested_at, source_partition, source_offset, city_id, card_id)
select sale_id, customer_id, product_id, category_id, sale_price, cost_price, card_company,
  card_last4, card_fingerprint, card_exp_month, card_exp_year, street, city, state, zipcode,
  sold_at, ingested_at, source_partition, source_offset, city_id, card_id
from sales_unpartitioned;

insert into agg_sales_minute (minute, part, customer_id, city_id, product_id, card_id, category_id,
  state, sales_count, revenue_cents, cost_cents)
select minute, part, customer_id, city_id, product_id, card_id, category_id, state, sales_count,
  revenue_cents, cost_cents
from agg_sales_minute_unpartitioned;

drop table sales_unpartitioned, agg_sales_minute_unpartitioned;

-- The consumer inserts sales, ids and the minute log, and may create a month's partitions; the
-- dashboard reads what retention did and the retired figures.
grant select, insert on sales, sale_ids, agg_sales_minute to sales_writer;
grant select on sales_retention, agg_retired to sales_writer, sales_reader;
grant select on sales, sale_ids, agg_sales_minute to sales_reader;
grant execute on function sales_partition_ensure(timestamptz) to sales_writer;
