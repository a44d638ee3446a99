-- Aggregates per writer partition and a minute-by-minute log: no row is shared by two consumers,
-- and the dashboard answers any time range and drill-down filter without reading `sales`.
--
-- Every aggregate row carries `part`, the Kafka partition whose consumer wrote it (each partition
-- has one owner at a time, so two writers never wait on each other's rows); readers sum over
-- `part`. The all-time tables (totals, by category, city, card company, customer; per minute)
-- serve the unfiltered page. `agg_sales_minute` logs each batch's new sales grouped by minute,
-- customer, city, product and card company (insert only, summed when read): a time range and any
-- filter are read from it. Money in aggregates is whole cents (bigint); the views at the end keep
-- the old tables' names and numeric columns.
--
-- A note on names: migrations are recorded by number and name in schema_migrations and are
-- never renamed once applied. 0005_sales_reference_checks.sql drops the foreign keys of `sales`;
-- the checks its name refers to are done by `deno task verify` (lib/store/verify.ts).

-- Ids for cities, (state, name), and card companies, by name.
create table cities (
  city_id integer generated always as identity primary key,
  state text not null,
  name text not null,
  unique (state, name)
);
create table card_companies (
  card_id smallint generated always as identity primary key,
  name text not null unique
);

-- Each sale names its city and card company by id too, so its insert returns every key. The
-- card fingerprint and the content hash are stored as their 32 bytes, not 64 hex characters
-- (a quarter of the row).
alter table sales add column city_id integer, add column card_id smallint,
  alter column card_fingerprint type bytea using decode(card_fingerprint, 'hex'),
  alter column content_hash type bytea using decode(content_hash, 'hex');

-- Running totals and counters, one row per partition. The dimension counters (customers,
-- products, categories) count the rows each partition's consumer created.
create table agg_totals (
  part smallint primary key,
  sales_count bigint not null default 0,
  revenue_cents bigint not null default 0,
  cost_cents bigint not null default 0,
  rejected bigint not null default 0,
  duplicates bigint not null default 0,
  customers bigint not null default 0,
  products bigint not null default 0,
  categories bigint not null default 0,
  last_sale_at timestamptz,
  updated_at timestamptz,
  -- every customer with at least this many purchases on the partition is in
  -- agg_customer_leaders (see below)
  leader_floor bigint not null default 2
);

-- Per minute (since the epoch, UTC): sales and money, and the rejected and duplicate messages of
-- the batches written in it.
create table agg_minute (
  minute integer not null,
  part smallint not null,
  sales_count bigint not null default 0,
  revenue_cents bigint not null default 0,
  cost_cents bigint not null default 0,
  rejected bigint not null default 0,
  duplicates bigint not null default 0,
  primary key (minute, part)
);

-- All time, by category, city and card company.
create table agg_category (
  part smallint not null,
  category_id integer not null,
  sales_count bigint not null,
  revenue_cents bigint not null,
  cost_cents bigint not null,
  primary key (part, category_id)
);
create table agg_city (
  part smallint not null,
  city_id integer not null,
  sales_count bigint not null,
  revenue_cents bigint not null,
  cost_cents bigint not null,
  primary key (part, city_id)
);
create table agg_card (
  part smallint not null,
  card_id smallint not null,
  sales_count bigint not null,
  revenue_cents bigint not null,
  cost_cents bigint not null,
  primary key (part, card_id)
);

-- All time, by customer (updated in place: no index on the counts).
create table agg_customer (
  customer_id integer not null,
  part smallint not null,
  sales_count bigint not null,
  revenue_cents bigint not null,
  cost_cents bigint not null,
  primary key (customer_id, part)
) with (fillfactor = 80);

-- Per partition, every customer with at least agg_totals.leader_floor purchases there (a few
-- hundred rows: the floor rises as they grow): the overall top customers are found among them
-- without reading every customer (lib/store/queries.ts).
create table agg_customer_leaders (
  part smallint not null,
  customer_id integer not null,
  sales_count bigint not null,
  revenue_cents bigint not null,
  primary key (part, customer_id)
);
create index agg_customer_leaders_top
  on agg_customer_leaders (part, sales_count desc, revenue_cents desc, customer_id);

-- The log of new sales by minute, customer, city, product and card company; one row per batch
-- and key, never updated. Sums over it give any range and filter. The category and state of the
-- product and city ride along, so reads need no join.
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
);
create index agg_sales_minute_minute on agg_sales_minute (minute);

-- Recent sales are the newest by the time they were sold (any range, any filter).
drop index if exists sales_ingested_at;

-- Fill the new tables from what is stored (a database that already holds sales).
insert into cities (state, name) select distinct state, city from sales order by 1, 2;
insert into card_companies (name) select distinct card_company from sales order by 1;
update sales s set city_id = ci.city_id, card_id = cc.card_id
from cities ci, card_companies cc
where ci.state = s.state and ci.name = s.city and cc.name = s.card_company;

insert into agg_totals (part, sales_count, revenue_cents, cost_cents, last_sale_at, updated_at)
select source_partition, count(*), sum(sale_price * 100)::bigint, sum(cost_price * 100)::bigint,
  max(sold_at), now()
from sales group by 1;
-- The old counters have no partition: they go to the lowest one (0 when there are no sales).
insert into agg_totals (part) select 0 where not exists (select 1 from agg_totals);
update agg_totals a set
  rejected = t.rejected, duplicates = t.duplicates, customers = t.customers,
  products = t.products, categories = t.categories
from sales_totals t
where a.part = (select min(part) from agg_totals);

insert into agg_minute (minute, part, sales_count, revenue_cents, cost_cents)
select floor(extract(epoch from sold_at) / 60)::integer, source_partition, count(*),
  sum(sale_price * 100)::bigint, sum(cost_price * 100)::bigint
from sales group by 1, 2;
-- The old rejected and duplicate counters have no time: they are dated at this migration.
insert into agg_minute as a (minute, part, rejected, duplicates)
select floor(extract(epoch from now()) / 60)::integer, 0, t.rejected, t.duplicates
from sales_totals t where t.rejected > 0 or t.duplicates > 0
on conflict (minute, part) do update set
  rejected = a.rejected + excluded.rejected, duplicates = a.duplicates + excluded.duplicates;

insert into agg_category (part, category_id, sales_count, revenue_cents, cost_cents)
select source_partition, category_id, count(*), sum(sale_price * 100)::bigint,
  sum(cost_price * 100)::bigint
from sales group by 1, 2;
insert into agg_city (part, city_id, sales_count, revenue_cents, cost_cents)
select source_partition, city_id, count(*), sum(sale_price * 100)::bigint,
  sum(cost_price * 100)::bigint
from sales group by 1, 2;
insert into agg_card (part, card_id, sales_count, revenue_cents, cost_cents)
select source_partition, card_id, count(*), sum(sale_price * 100)::bigint,
  sum(cost_price * 100)::bigint
from sales group by 1, 2;
insert into agg_customer (customer_id, part, sales_count, revenue_cents, cost_cents)
select customer_id, source_partition, count(*), sum(sale_price * 100)::bigint,
  sum(cost_price * 100)::bigint
from sales group by 1, 2;
-- Leaders: the 200th count of each partition (at least 2) is its floor.
update agg_totals t set leader_floor = greatest(2, coalesce((
  select c.sales_count from agg_customer c where c.part = t.part
  order by c.sales_count desc offset 199 limit 1), 2));
insert into agg_customer_leaders (part, customer_id, sales_count, revenue_cents)
select c.part, c.customer_id, c.sales_count, c.revenue_cents
from agg_customer c join agg_totals t using (part) where c.sales_count >= t.leader_floor;
insert into agg_sales_minute (minute, part, customer_id, city_id, product_id, card_id,
  category_id, state, sales_count, revenue_cents, cost_cents)
select floor(extract(epoch from sold_at) / 60)::integer, source_partition, customer_id, city_id,
  product_id, card_id, category_id, state, count(*), sum(sale_price * 100)::bigint,
  sum(cost_price * 100)::bigint
from sales group by 1, 2, 3, 4, 5, 6, 7, 8;

drop table sales_totals, sales_by_category, sales_by_state, sales_by_city, sales_by_card,
  sales_by_customer, sales_by_minute;

-- The old tables' names, as views over the new ones (money as numeric(18,2), as before).
create view sales_totals as
select coalesce(sum(sales_count), 0)::bigint as sales_count,
  (coalesce(sum(revenue_cents), 0)::numeric / 100)::numeric(18, 2) as revenue,
  (coalesce(sum(cost_cents), 0)::numeric / 100)::numeric(18, 2) as cost,
  coalesce(sum(customers), 0)::bigint as customers,
  coalesce(sum(products), 0)::bigint as products,
  coalesce(sum(categories), 0)::bigint as categories,
  coalesce(sum(rejected), 0)::bigint as rejected,
  coalesce(sum(duplicates), 0)::bigint as duplicates,
  max(last_sale_at) as last_sale_at,
  max(updated_at) as updated_at
from agg_totals;

create view sales_by_category as
select category_id, sum(sales_count)::bigint as sales_count,
  (sum(revenue_cents)::numeric / 100)::numeric(18, 2) as revenue,
  (sum(cost_cents)::numeric / 100)::numeric(18, 2) as cost
from agg_category group by category_id;

create view sales_by_state as
select ci.state, sum(a.sales_count)::bigint as sales_count,
  (sum(a.revenue_cents)::numeric / 100)::numeric(18, 2) as revenue,
  (sum(a.cost_cents)::numeric / 100)::numeric(18, 2) as cost
from agg_city a join cities ci using (city_id) group by ci.state;

create view sales_by_city as
select ci.state, ci.name as city, sum(a.sales_count)::bigint as sales_count,
  (sum(a.revenue_cents)::numeric / 100)::numeric(18, 2) as revenue,
  (sum(a.cost_cents)::numeric / 100)::numeric(18, 2) as cost
from agg_city a join cities ci using (city_id) group by ci.state, ci.name;

create view sales_by_card as
select cc.name as card_company, sum(a.sales_count)::bigint as sales_count,
  (sum(a.revenue_cents)::numeric / 100)::numeric(18, 2) as revenue,
  (sum(a.cost_cents)::numeric / 100)::numeric(18, 2) as cost
from agg_card a join card_companies cc using (card_id) group by cc.name;

create view sales_by_customer as
select customer_id, sum(sales_count)::bigint as sales_count,
  (sum(revenue_cents)::numeric / 100)::numeric(18, 2) as revenue,
  (sum(cost_cents)::numeric / 100)::numeric(18, 2) as cost
from agg_customer group by customer_id;

create view sales_by_minute as
select to_timestamp(minute::bigint * 60) as minute, sum(sales_count)::bigint as sales_count,
  (sum(revenue_cents)::numeric / 100)::numeric(18, 2) as revenue,
  (sum(cost_cents)::numeric / 100)::numeric(18, 2) as cost
from agg_minute group by minute having sum(sales_count) > 0;

-- The consumer writes the new tables; the dashboard reads everything (0004's default privileges).
grant select, insert, update on cities, card_companies, agg_totals, agg_minute, agg_category,
  agg_city, agg_card, agg_customer to sales_writer;
grant select, insert, update, delete on agg_customer_leaders to sales_writer;
grant select, insert on agg_sales_minute to sales_writer;
grant select on sales_totals, sales_by_category, sales_by_state, sales_by_city, sales_by_card,
  sales_by_customer, sales_by_minute to sales_writer, sales_reader;
grant usage on all sequences in schema public to sales_writer;
