-- Partitions the consumer has stopped at a batch it cannot decode (an unknown or missing codec, a
-- corrupt payload). The consumer marks the partition here and pauses it alone; the dashboard shows
-- the mark on its lag panel; `deno task unstick` (as the owner) dead-letters the range, moves the
-- stored offset past it and deletes the mark in one transaction, and the running consumer resumes.
create table stuck_partitions (
  group_id text not null,
  topic text not null,
  partition integer not null,
  -- the offsets of the undecodable batch, first and last
  from_offset bigint not null,
  to_offset bigint not null,
  reason text not null,
  stuck_at timestamptz not null default now(),
  primary key (group_id, topic, partition)
);

-- The consumer marks (insert, update) but never deletes: clearing a mark is the operator's.
grant select, insert, update on stuck_partitions to sales_writer;
grant select on stuck_partitions to sales_reader;
