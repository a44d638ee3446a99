-- The dashboard's "recent sales" table reads the newest rows of sales without scanning it.
create index if not exists sales_ingested_at on sales (ingested_at desc);
