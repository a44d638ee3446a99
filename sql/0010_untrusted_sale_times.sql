-- Sales whose Kafka record timestamp was not trusted (more than CONSUMER_CLOCK_TOLERANCE ahead of
-- the consumer's clock: `time_ahead`; before 2000-01-01: `time_too_old`) and were filed at the
-- time the consumer read them instead (lib/core/sale_time.ts). Counted once per stored sale, in
-- the same transaction as the sale: per partition for all time, and per minute the sale is filed
-- under for a range. The roles' grants on both tables cover the new columns.
alter table agg_totals
  add column time_ahead bigint not null default 0,
  add column time_too_old bigint not null default 0;

alter table agg_minute
  add column time_ahead bigint not null default 0,
  add column time_too_old bigint not null default 0;
