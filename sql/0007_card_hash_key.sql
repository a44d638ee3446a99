-- One card-hash key per deployment. Card fingerprints and the content hashes that tell a
-- re-delivery from a conflicting duplicate are HMACs under the key, so a host with another key
-- would dead-letter re-delivered sales as conflicting duplicates. The first consumer stores a
-- check value of its key here (the HMAC of a fixed label under the key, never the key itself);
-- a consumer whose key gives another value refuses to start (lib/store/card_hash_key.ts).
create table card_hash_key (
  only_row boolean primary key default true check (only_row),
  check_value text not null,
  stored_at timestamptz not null default now()
);

grant select, insert on card_hash_key to sales_writer;
grant select on card_hash_key to sales_reader;
