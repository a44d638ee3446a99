-- Least privilege. sales_reader (the dashboard) can only read; sales_writer (the consumer) can
-- insert and update its own tables and nothing else: no delete, no truncate, no DDL.
-- Roles are cluster-wide: create them once, grant per database.
do $$ begin
  create role sales_reader login;
exception when duplicate_object or unique_violation then null;
end $$;
do $$ begin
  create role sales_writer login;
exception when duplicate_object or unique_violation then null;
end $$;
do $$ begin
  execute format('grant connect on database %I to sales_reader, sales_writer', current_database());
end $$;

grant usage on schema public to sales_reader, sales_writer;

grant select on all tables in schema public to sales_reader;
alter default privileges in schema public grant select on tables to sales_reader;

grant select on schema_migrations to sales_writer;
grant select, insert, update on
  categories, products, customers, sales, sales_totals, sales_by_category, sales_by_state,
  sales_by_city, sales_by_card, sales_by_customer, sales_by_minute, consumer_offsets
  to sales_writer;
grant usage on all sequences in schema public to sales_writer;
