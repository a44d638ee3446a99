-- Normalised sales, incremental aggregates and per-partition consumer offsets.
-- Money is numeric(14,2); the full card number is never stored (company, last four, keyed hash).

create table categories (
  category_id integer generated always as identity primary key,
  name text not null unique
);

create table products (
  product_id integer generated always as identity primary key,
  category_id integer not null references categories,
  name text not null,
  unique (category_id, name)
);

create table customers (
  customer_id integer generated always as identity primary key,
  email text not null unique,
  first_name text not null,
  last_name text not null,
  job_title text not null,
  street text not null,
  city text not null,
  state text not null,
  zipcode text not null
);

create table sales (
  sale_id text primary key,
  customer_id integer not null references customers,
  product_id integer not null references products,
  category_id integer not null references categories,
  sale_price numeric(14, 2) not null check (sale_price >= 0),
  cost_price numeric(14, 2) not null check (cost_price >= 0),
  card_company text not null,
  card_last4 text not null check (card_last4 ~ '^[0-9]{4}$'),
  card_fingerprint text not null,
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
  content_hash text not null
);
create index sales_sold_at on sales (sold_at);
create index sales_customer on sales (customer_id);

-- One row: running totals and counters the dashboard reads without scanning sales.
create table sales_totals (
  id boolean primary key default true check (id),
  sales_count bigint not null default 0,
  revenue numeric(18, 2) not null default 0,
  cost numeric(18, 2) not null default 0,
  customers bigint not null default 0,
  products bigint not null default 0,
  categories bigint not null default 0,
  rejected bigint not null default 0,
  duplicates bigint not null default 0,
  last_sale_at timestamptz,
  updated_at timestamptz
);
insert into sales_totals default values;

create table sales_by_category (
  category_id integer primary key references categories,
  sales_count bigint not null,
  revenue numeric(18, 2) not null,
  cost numeric(18, 2) not null
);

create table sales_by_state (
  state text primary key,
  sales_count bigint not null,
  revenue numeric(18, 2) not null,
  cost numeric(18, 2) not null
);

create table sales_by_city (
  state text not null,
  city text not null,
  sales_count bigint not null,
  revenue numeric(18, 2) not null,
  cost numeric(18, 2) not null,
  primary key (state, city)
);
create index sales_by_city_revenue on sales_by_city (revenue desc);

create table sales_by_card (
  card_company text primary key,
  sales_count bigint not null,
  revenue numeric(18, 2) not null,
  cost numeric(18, 2) not null
);

create table sales_by_customer (
  customer_id integer primary key references customers,
  sales_count bigint not null,
  revenue numeric(18, 2) not null,
  cost numeric(18, 2) not null
);
create index sales_by_customer_top on sales_by_customer (sales_count desc, revenue desc);

create table sales_by_minute (
  minute timestamptz primary key,
  sales_count bigint not null,
  revenue numeric(18, 2) not null,
  cost numeric(18, 2) not null
);

-- The next offset to read per group and partition, written in the same transaction as the data.
create table consumer_offsets (
  group_id text not null,
  topic text not null,
  partition integer not null,
  next_offset bigint not null,
  updated_at timestamptz not null default now(),
  primary key (group_id, topic, partition)
);
