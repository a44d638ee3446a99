import assert from "node:assert/strict";
import { Partitioners } from "kafkajs";
import { partitionForKey } from "../../lib/core/partitioner.ts";

Deno.test("partitionForKey() places keys exactly like kafkajs' default partitioner", () => {
  const kafkajs = Partitioners.DefaultPartitioner();
  for (const count of [1, 3, 6, 7]) {
    const partitionMetadata = Array.from({ length: count }, (_, i) => ({
      partitionId: i,
      leader: 1,
      partitionErrorCode: 0,
      replicas: [1],
      isr: [1],
    }));
    for (let i = 0; i < 2000; i++) {
      const key = i % 3 === 0
        ? crypto.randomUUID()
        : i % 3 === 1
        ? String(i * 7919)
        : `é✓-${i}-${"x".repeat(i % 97)}`;
      const expected = kafkajs({ topic: "t", partitionMetadata, message: { key, value: "" } });
      assert.equal(partitionForKey(key, count), expected, `key ${key} over ${count}`);
    }
  }
});
