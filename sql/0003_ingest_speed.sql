-- Faster ingest: each foreign-key check on `sales` is a per-row trigger, and they cost more than
-- the insert itself. sales.category_id is a copy of products.category_id, set by the same
-- statement that checks the product (see lib/write_batch.ts), so its own check is dropped;
-- the product and customer keys stay checked. No query reads sales by customer_id.
alter table sales drop constraint sales_category_id_fkey;
drop index sales_customer;
