-- A stuck partition's mark keeps the undecodable batch itself: its bytes as the consumer fetched
-- them (the 61-byte header and the compressed records, card-number-like digit runs masked in
-- place), so that `deno task unstick` can put them in the dead-letter topic for the operator.
--
-- Marks are dropped here: the consumer before this one paused a partition at any record carrying
-- the header x-sales-undecodable, which any producer may set, so a mark may stand for ordinary
-- sales. A consumer now knows an undecodable batch from its own client only; a real one is
-- marked again, with its bytes, as soon as a consumer fetches it.
delete from stuck_partitions;
alter table stuck_partitions add column batch bytea;

-- The dashboard's role reads the marks, not the batches.
revoke select on stuck_partitions from sales_reader;
grant select (group_id, topic, partition, from_offset, to_offset, reason, stuck_at)
  on stuck_partitions to sales_reader;
