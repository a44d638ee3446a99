-- The de-duplication key of `sale_ids` is 16 bytes instead of the id's text. Every fresh sale adds
-- one entry at a random place of this index, the one index that grows with the whole history:
-- at 30M stored sales its text key was 2.2 GB of random leaves, the uuid key is 0.9 GB, and 200,000
-- inserts into it took 5.5-7.3 s against 7.5-15.0 s for the text one (BENCHMARKS.md).
--
-- `sale_key(sale_id)`: a sale id in the canonical UUID form (lower-case hex with dashes, as
-- generators and the producer write it) is its own 16 bytes; any other id (digits, other text, an
-- upper-case UUID, which is another id as text) is the MD5 of its text. The text stays in each row:
-- writeBatch takes an existing row for the same sale only when the texts are equal too, so two
-- different ids that share a key would stop the batch loudly instead of dropping a sale.
create function sale_key(sale_id text) returns uuid
language sql immutable parallel safe
as $$
  select case
    when sale_id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$'
      then sale_id::uuid
    else md5(sale_id)::uuid
  end
$$;

-- Copied into a new table in key order (a compact index, built once), then swapped in; nothing is
-- lost or counted twice: the rows are the same, in this transaction.
create table sale_ids_keyed (
  sale_key uuid not null,
  sale_id text not null,
  sold_at timestamptz not null,
  content_hash bytea not null
);
insert into sale_ids_keyed (sale_key, sale_id, sold_at, content_hash)
select sale_key(sale_id), sale_id, sold_at, content_hash from sale_ids order by 1;
alter table sale_ids_keyed add constraint sale_ids_keyed_pkey primary key (sale_key);
drop table sale_ids;
alter table sale_ids_keyed rename to sale_ids;
alter table sale_ids rename constraint sale_ids_keyed_pkey to sale_ids_pkey;

grant select, insert on sale_ids to sales_writer;
grant select on sale_ids to sales_reader;
