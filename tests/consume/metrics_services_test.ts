/**
 * The consumer's operations port against the real broker and database: its counters equal what
 * it was sent (inserted = rows stored, duplicates, rejected and dead-lettered), the lag per
 * partition reaches 0, the page passes promtool, /readyz is 200 once it consumes and /healthz 200.
 */
import assert from "node:assert/strict";
import { Partitioners } from "kafkajs";
import { ConsumerProcess } from "../support/faults.ts";
import { freePort, sampleRecords, uniqueSuffix, waitFor } from "../support/fixtures.ts";
import { get, parseMetrics, promtoolCheck, type Sample, sum } from "../support/metrics.ts";
import {
  createTestDatabase,
  createTestTopic,
  storedOffsetSum,
  testKafka,
} from "../support/services.ts";

Deno.test({
  name:
    "the consumer's /metrics counts every message by outcome exactly, its lag reaches 0, /readyz and /healthz answer 200",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const db = await createTestDatabase();
    const topic = await createTestTopic(3);
    const group = `g-${uniqueSuffix()}`;
    const records = sampleRecords(400, 57);
    const good = records.map((r) => ({ key: String(r.sale_id), value: JSON.stringify(r) }));
    const messages = [
      ...good,
      ...good.slice(0, 30), // re-delivered: duplicates
      { key: good[7]!.key, value: JSON.stringify({ ...records[7], sale_price: 1 }) }, // conflict
      { key: "bad-1", value: "not json" },
      { key: "bad-2", value: JSON.stringify({ ...records[9], state: "ZZ" }) },
    ];
    const producer = testKafka().producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic, messages: good });
    await producer.send({ topic, messages: messages.slice(good.length) });
    await producer.disconnect();

    const port = freePort();
    const base = `http://127.0.0.1:${port}`;
    const consumer = new ConsumerProcess(db.url, topic, group, "metrics", true, {
      env: { METRICS_PORT: String(port) },
    });
    try {
      await waitFor(
        async () => (await storedOffsetSum(db.sql, group)) === messages.length,
        `every offset stored${consumer.output}`,
        90_000,
      );
      let samples: Sample[] = [];
      await waitFor(async () => {
        const page = await get(`${base}/metrics`);
        if (page?.status !== 200) return false;
        samples = parseMetrics(page.body);
        const lags = samples.filter((s) => s.name === "sales_consumer_lag_messages");
        return lags.length === 3 && lags.every((s) => s.value === 0);
      }, "the lag of each partition to be 0");
      const page = await fetch(`${base}/metrics`);
      assert.equal(page.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
      const text = await page.text();
      await promtoolCheck(text);
      samples = parseMetrics(text);
      const [stored] = await db.sql`select count(*)::int as n from sales`;
      const outcome = (o: string) => sum(samples, "sales_consumer_messages_total", { outcome: o });
      assert.equal(stored!.n, records.length);
      assert.deepEqual(
        ["inserted", "duplicate", "rejected", "dead_lettered"].map(outcome),
        [records.length, 30, 3, 3],
      );
      assert.deepEqual(
        samples.filter((s) => s.name === "sales_consumer_lag_messages").map((s) => s.labels)
          .sort((a, b) => Number(a.partition) - Number(b.partition)),
        [0, 1, 2].map((p) => ({ topic, partition: String(p) })),
      );
      assert.equal(sum(samples, "sales_consumer_stuck_partitions"), 0);
      assert.ok(sum(samples, "sales_consumer_rebalances_total") >= 1);
      const batches = sum(samples, "sales_consumer_batch_duration_seconds_count");
      assert.ok(batches >= 1 && batches <= messages.length, `${batches} batches`);
      assert.equal(
        sum(samples, "sales_consumer_batch_duration_seconds_bucket", { le: "+Inf" }),
        batches,
      );
      for (const name of ["process_cpu_seconds_total", "process_resident_memory_bytes"]) {
        assert.ok(sum(samples, name) > 0, name);
      }
      // Nothing of a sale on the page: no product name.
      for (const r of records.slice(0, 20)) assert.ok(!text.includes(String(r.product_name)));
      assert.deepEqual(await get(`${base}/readyz`), { status: 200, body: '{"status":"ready"}\n' });
      assert.deepEqual(await get(`${base}/healthz`), { status: 200, body: '{"status":"live"}\n' });
      assert.equal((await consumer.stop("SIGTERM")).code, 0, consumer.output);
    } finally {
      await consumer.stop("SIGKILL");
      await db.close();
    }
  },
});
