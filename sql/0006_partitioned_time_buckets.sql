-- Aggregates per writer partition and per time bucket: no row is shared by two consumers, and
-- the dashboard answers any time range and drill-down filter from buckets, not from `sales`.
--
-- Every aggregate row carries `part`, the Kafka partition whose consumer wrote it (each
-- partition has one owner at a time, so two writers never wait on each other's rows); readers
-- sum over `part`. Time buckets are whole minutes and whole hours (UTC) since the epoch; a range
-- is read from hour rows for its whole hours and minute rows for the rest. Money in aggregates
-- is whole cents (bigint); the views below give the old tables' names and numeric columns.
--
-- A note on names: migrations are recorded by number and name in schema_migrations and are
-- never renamed once applied. 0005_sales_reference_checks.sql drops the foreign keys of `sales`;
-- the checks its name refers to are done by `deno task verify` (lib/store/verify.ts).

-- Ids for the cube's keys: a city is (state, name); card companies by name.
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
  updated_at timestamptz
);

-- Rejected and duplicate messages by the minute their message was written to Kafka.
create table agg_counters_minute (
  minute integer not null,
  part smallint not null,
  rejected integer not null,
  duplicates integer not null,
  primary key (minute, part)
);

-- The sales cube: count and money by city, product and card company; all time, per hour and per
-- minute. State and category follow from the city and the product.
create table agg_cube_all (
  part smallint not null,
  city_id integer not null,
  product_id integer not null,
  card_id smallint not null,
  sales_count bigint not null,
  revenue_cents bigint not null,
  cost_cents bigint not null,
  primary key (part, city_id, product_id, card_id)
) with (fillfactor = 80);
create table agg_cube_hour (
  hour integer not null,
  part smallint not null,
  city_id integer not null,
  product_id integer not null,
  card_id smallint not null,
  sales_count integer not null,
  revenue_cents bigint not null,
  cost_cents bigint not null,
  primary key (hour, part, city_id, product_id, card_id)
) with (fillfactor = 80);
create table agg_cube_minute (
  minute integer not null,
  part smallint not null,
  city_id integer not null,
  product_id integer not null,
  card_id smallint not null,
  sales_count integer not null,
  revenue_cents bigint not null,
  cost_cents bigint not null,
  primary key (minute, part, city_id, product_id, card_id)
) with (fillfactor = 80);

-- The customer cube: each customer's purchases by the sale's state, category and card company,
-- all time, per hour and per minute (top customers and distinct customers of any selection).
create table agg_customer_all (
  part smallint not null,
  customer_id integer not null,
  state text not null,
  category_id integer not null,
  card_id smallint not null,
  sales_count bigint not null,
  revenue_cents bigint not null,
  cost_cents bigint not null,
  primary key (part, customer_id, state, category_id, card_id)
) with (fillfactor = 80);
create table agg_customer_hour (
  hour integer not null,
  part smallint not null,
  customer_id integer not null,
  state text not null,
  category_id integer not null,
  card_id smallint not null,
  sales_count integer not null,
  revenue_cents bigint not null,
  cost_cents bigint not null,
  primary key (hour, part, customer_id, state, category_id, card_id)
) with (fillfactor = 80);
create table agg_customer_minute (
  minute integer not null,
  part smallint not null,
  customer_id integer not null,
  state text not null,
  category_id integer not null,
  card_id smallint not null,
  sales_count integer not null,
  revenue_cents bigint not null,
  cost_cents bigint not null,
  primary key (minute, part, customer_id, state, category_id, card_id)
) with (fillfactor = 80);

-- Each customer's all-time totals per partition, indexed by purchases so the overall top list is
-- found without reading every customer (lib/store/queries.ts).
create table agg_customer_totals (
  part smallint not null,
  customer_id integer not null,
  sales_count bigint not null,
  revenue_cents bigint not null,
  cost_cents bigint not null,
  primary key (part, customer_id)
) with (fillfactor = 80);
create index agg_customer_totals_top
  on agg_customer_totals (part, sales_count desc, revenue_cents desc, customer_id);

-- Recent sales are the newest by the time they were sold (any range, any filter).
drop index if exists sales_ingested_at;

-- Each sale names its city and card company by id too, so the insert returns every key of the
-- buckets it adds to.
alter table sales add column city_id integer, add column card_id smallint;

-- Fill the new tables from what is stored (a database that already holds sales).
insert into cities (state, name) select distinct state, city from sales order by 1, 2;
insert into card_companies (name) select distinct card_company from sales order by 1;
update sales s set city_id = ci.city_id, card_id = cc.card_id
from cities ci, card_companies cc
where ci.state = s.state and ci.name = s.city and cc.name = s.card_company;

insert into agg_cube_all (part, city_id, product_id, card_id, sales_count, revenue_cents, cost_cents)
select s.source_partition, ci.city_id, s.product_id, cc.card_id, count(*),
  sum(s.sale_price * 100)::bigint, sum(s.cost_price * 100)::bigint
from sales s
join cities ci on ci.state = s.state and ci.name = s.city
join card_companies cc on cc.name = s.card_company
group by 1, 2, 3, 4;

insert into agg_cube_hour (hour, part, city_id, product_id, card_id, sales_count, revenue_cents,
  cost_cents)
select floor(extract(epoch from s.sold_at) / 3600)::integer, s.source_partition, ci.city_id,
  s.product_id, cc.card_id, count(*), sum(s.sale_price * 100)::bigint,
  sum(s.cost_price * 100)::bigint
from sales s
join cities ci on ci.state = s.state and ci.name = s.city
join card_companies cc on cc.name = s.card_company
group by 1, 2, 3, 4, 5;

insert into agg_cube_minute (minute, part, city_id, product_id, card_id, sales_count,
  revenue_cents, cost_cents)
select floor(extract(epoch from s.sold_at) / 60)::integer, s.source_partition, ci.city_id,
  s.product_id, cc.card_id, count(*), sum(s.sale_price * 100)::bigint,
  sum(s.cost_price * 100)::bigint
from sales s
join cities ci on ci.state = s.state and ci.name = s.city
join card_companies cc on cc.name = s.card_company
group by 1, 2, 3, 4, 5;

insert into agg_customer_all (part, customer_id, state, category_id, card_id, sales_count,
  revenue_cents, cost_cents)
select s.source_partition, s.customer_id, s.state, s.category_id, cc.card_id, count(*),
  sum(s.sale_price * 100)::bigint, sum(s.cost_price * 100)::bigint
from sales s join card_companies cc on cc.name = s.card_company
group by 1, 2, 3, 4, 5;

insert into agg_customer_hour (hour, part, customer_id, state, category_id, card_id, sales_count,
  revenue_cents, cost_cents)
select floor(extract(epoch from s.sold_at) / 3600)::integer, s.source_partition, s.customer_id,
  s.state, s.category_id, cc.card_id, count(*), sum(s.sale_price * 100)::bigint,
  sum(s.cost_price * 100)::bigint
from sales s join card_companies cc on cc.name = s.card_company
group by 1, 2, 3, 4, 5, 6;

insert into agg_customer_minute (minute, part, customer_id, state, category_id, card_id,
  sales_count, revenue_cents, cost_cents)
select floor(extract(epoch from s.sold_at) / 60)::integer, s.source_partition, s.customer_id,
  s.state, s.category_id, cc.card_id, count(*), sum(s.sale_price * 100)::bigint,
  sum(s.cost_price * 100)::bigint
from sales s join card_companies cc on cc.name = s.card_company
group by 1, 2, 3, 4, 5, 6;

insert into agg_customer_totals (part, customer_id, sales_count, revenue_cents, cost_cents)
select source_partition, customer_id, count(*), sum(sale_price * 100)::bigint,
  sum(cost_price * 100)::bigint
from sales group by 1, 2;

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
-- Their messages' times are unknown: they are dated at this migration.
insert into agg_counters_minute (minute, part, rejected, duplicates)
select floor(extract(epoch from now()) / 60)::integer, 0, t.rejected, t.duplicates
from sales_totals t where t.rejected > 0 or t.duplicates > 0;

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
select p.category_id, sum(a.sales_count)::bigint as sales_count,
  (sum(a.revenue_cents)::numeric / 100)::numeric(18, 2) as revenue,
  (sum(a.cost_cents)::numeric / 100)::numeric(18, 2) as cost
from agg_cube_all a join products p using (product_id)
group by p.category_id;

create view sales_by_state as
select ci.state, sum(a.sales_count)::bigint as sales_count,
  (sum(a.revenue_cents)::numeric / 100)::numeric(18, 2) as revenue,
  (sum(a.cost_cents)::numeric / 100)::numeric(18, 2) as cost
from agg_cube_all a join cities ci using (city_id)
group by ci.state;

create view sales_by_city as
select ci.state, ci.name as city, sum(a.sales_count)::bigint as sales_count,
  (sum(a.revenue_cents)::numeric / 100)::numeric(18, 2) as revenue,
  (sum(a.cost_cents)::numeric / 100)::numeric(18, 2) as cost
from agg_cube_all a join cities ci using (city_id)
group by ci.state, ci.name;

create view sales_by_card as
select cc.name as card_company, sum(a.sales_count)::bigint as sales_count,
  (sum(a.revenue_cents)::numeric / 100)::numeric(18, 2) as revenue,
  (sum(a.cost_cents)::numeric / 100)::numeric(18, 2) as cost
from agg_cube_all a join card_companies cc using (card_id)
group by cc.name;

create view sales_by_customer as
select customer_id, sum(sales_count)::bigint as sales_count,
  (sum(revenue_cents)::numeric / 100)::numeric(18, 2) as revenue,
  (sum(cost_cents)::numeric / 100)::numeric(18, 2) as cost
from agg_customer_totals
group by customer_id;

create view sales_by_minute as
select to_timestamp(minute::bigint * 60) as minute, sum(sales_count)::bigint as sales_count,
  (sum(revenue_cents)::numeric / 100)::numeric(18, 2) as revenue,
  (sum(cost_cents)::numeric / 100)::numeric(18, 2) as cost
from agg_cube_minute
group by minute;

-- The consumer writes the new tables; the dashboard reads everything (0004's default privileges).
grant select, insert, update on cities, card_companies, agg_totals, agg_counters_minute,
  agg_cube_all, agg_cube_hour, agg_cube_minute, agg_customer_all, agg_customer_hour,
  agg_customer_minute, agg_customer_totals to sales_writer;
grant select on sales_totals, sales_by_category, sales_by_state, sales_by_city, sales_by_card,
  sales_by_customer, sales_by_minute to sales_writer, sales_reader;
grant usage on all sequences in schema public to sales_writer;
