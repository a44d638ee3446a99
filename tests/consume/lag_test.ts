import assert from "node:assert/strict";
import { consumerLag } from "../../lib/consume/lag.ts";

Deno.test("consumerLag() is each partition's end offset minus the stored next offset, by partition", () => {
  const ends = new Map([[2, "40"], [0, "1000"], [1, "25"], [3, "7"]]);
  const stored = [
    { partition: 0, next_offset: "990" },
    { partition: 2, next_offset: "40" },
    // More than Kafka's end (a topic created anew): no negative lag.
    { partition: 3, next_offset: "9" },
    // A partition Kafka does not list is not shown.
    { partition: 9, next_offset: "5" },
  ];
  assert.deepEqual(consumerLag(ends, stored), [
    { partition: 0, end: "1000", next: "990", lag: "10", stuck: null },
    { partition: 1, end: "25", next: null, lag: "25", stuck: null },
    { partition: 2, end: "40", next: "40", lag: "0", stuck: null },
    { partition: 3, end: "7", next: "9", lag: "0", stuck: null },
  ]);
  // Offsets beyond a double's exact range stay exact.
  assert.deepEqual(
    consumerLag(new Map([[0, "9007199254740993"]]), [{ partition: 0, next_offset: "1" }]),
    [{ partition: 0, end: "9007199254740993", next: "1", lag: "9007199254740992", stuck: null }],
  );
});

Deno.test("consumerLag() marks a stuck partition with its range and reason; unknown ends give null, no topic []", () => {
  const stuckAt = new Date();
  const lag = consumerLag(
    new Map([[0, "50"], [1, "30"]]),
    [{ partition: 1, next_offset: "20" }],
    [{
      groupId: "g",
      topic: "t",
      partition: 1,
      fromOffset: "20",
      toOffset: "29",
      reason: "cannot decode the batch: zstd",
      stuckAt,
    }],
  );
  assert.deepEqual(lag, [
    { partition: 0, end: "50", next: null, lag: "50", stuck: null },
    {
      partition: 1,
      end: "30",
      next: "20",
      lag: "10",
      stuck: { from: "20", to: "29", reason: "cannot decode the batch: zstd" },
    },
  ]);
  assert.equal(consumerLag(null, [{ partition: 0, next_offset: "3" }]), null);
  assert.deepEqual(consumerLag(new Map(), [{ partition: 0, next_offset: "3" }]), []);
});
