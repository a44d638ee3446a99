import assert from "node:assert/strict";
import { kafkaEndOffsets } from "../../lib/consume/lag.ts";
import { createDashboardKafka } from "../../lib/infra/kafka.ts";
import { freePort, sampleRecords, uniqueSuffix } from "../support/fixtures.ts";
import { config, createTestTopic, produceAll } from "../support/services.ts";

const KAFKA_TEST = { sanitizeOps: false, sanitizeResources: false };

Deno.test({
  name:
    "kafkaEndOffsets() reads each partition's end offset, reuses it for reuseMs, then reads Kafka again",
  ...KAFKA_TEST,
  fn: async () => {
    const topic = await createTestTopic(3);
    await produceAll(topic, sampleRecords(90, 86));
    const reader = kafkaEndOffsets(createDashboardKafka(config.kafkaBrokers), topic, {
      reuseMs: 1_500,
    });
    try {
      const first = await reader.read();
      assert.ok(first);
      assert.deepEqual([...first.keys()].sort(), [0, 1, 2]);
      assert.equal([...first.values()].reduce((n, o) => n + Number(o), 0), 90);
      await produceAll(topic, sampleRecords(30, 87));
      assert.equal(await reader.read(), first, "within reuseMs: the same answer");
      await new Promise((r) => setTimeout(r, 1_600));
      const later = await reader.read();
      assert.equal([...later!.values()].reduce((n, o) => n + Number(o), 0), 120);
    } finally {
      await reader.close();
    }
    assert.equal(await reader.read(), null, "a closed reader answers nothing");
  },
});

Deno.test({
  name:
    "kafkaEndOffsets() answers an empty map for a topic not created yet, and null without throwing when Kafka does not answer",
  ...KAFKA_TEST,
  fn: async () => {
    const logged: string[] = [];
    const topic = `sales_test_${uniqueSuffix()}`;
    const missing = kafkaEndOffsets(createDashboardKafka(config.kafkaBrokers), topic, {
      reuseMs: 0,
      log: (line) => logged.push(line),
    });
    try {
      assert.deepEqual(await missing.read(), new Map());
      assert.deepEqual(await missing.read(), new Map());
      assert.deepEqual(logged, [`topic ${topic} does not exist yet; no lag`], "said once");
    } finally {
      await missing.close();
    }

    const said: string[] = [];
    const nowhere = kafkaEndOffsets(
      createDashboardKafka([`127.0.0.1:${freePort()}`]),
      topic,
      { waitMs: 5_000, reuseMs: 0, log: (line) => said.push(line) },
    );
    try {
      const started = performance.now();
      assert.equal(await nowhere.read(), null);
      assert.ok(performance.now() - started < 5_500, "within waitMs");
      assert.equal(said.length, 1, said.join("\n"));
      assert.match(
        said[0]!,
        new RegExp(`^Kafka end offsets of ${topic} unavailable \\(.+\\); lag unknown$`),
      );
    } finally {
      await nowhere.close();
    }
  },
});
