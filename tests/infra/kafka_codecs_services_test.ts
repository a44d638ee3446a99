import assert from "node:assert/strict";
import { centsToDecimal } from "../../lib/core/money.ts";
import { type CompressionName, compressionType } from "../../lib/infra/kafka_codecs.ts";
import { produceRecords } from "../../lib/produce/produce_records.ts";
import { kcatKeys, kcatProduce } from "../support/kcat.ts";
import { sampleRecords, waitFor } from "../support/fixtures.ts";
import { expectedTotals } from "../support/money.ts";
import {
  createTestDatabase,
  createTestTopic,
  startTestConsumer,
  storedOffsetSum,
  testKafka,
} from "../support/services.ts";

const KAFKA_TEST = { sanitizeOps: false, sanitizeResources: false };
const ROOT = new URL("../../", import.meta.url).pathname;
const CODECS = ["gzip", "snappy", "lz4", "zstd"] as const;

Deno.test({
  name: "gzip, snappy, lz4 and zstd batches from kcat are each stored exactly once",
  ...KAFKA_TEST,
  fn: async () => {
    const db = await createTestDatabase();
    const topic = await createTestTopic(3);
    const records = sampleRecords(400, 31);
    const consumer = await startTestConsumer({ sql: db.sql, topic, partitions: 3 });
    const group = consumer.groupId;
    try {
      for (const [i, codec] of CODECS.entries()) {
        await kcatProduce(topic, codec, records.slice(i * 100, (i + 1) * 100));
      }
      // The gzip set again as zstd: a re-delivery counts once.
      await kcatProduce(topic, "zstd", records.slice(0, 100));
      await waitFor(
        async () => (await storedOffsetSum(db.sql, group)) === 500,
        "500 offsets stored",
        30_000,
      );
      const want = expectedTotals(records);
      const [s] = await db.sql`
        select count(*)::int as n, count(distinct sale_id)::int as ids,
          sum(sale_price)::text as revenue, sum(cost_price)::text as cost from sales`;
      assert.deepEqual({ ...s }, {
        n: 400,
        ids: 400,
        revenue: centsToDecimal(want.revenue),
        cost: centsToDecimal(want.cost),
      });
      const [t] = await db.sql`
        select sales_count::int, revenue::text, duplicates::int, rejected::int from sales_totals`;
      assert.deepEqual({ ...t }, {
        sales_count: 400,
        revenue: centsToDecimal(want.revenue),
        duplicates: 100,
        rejected: 0,
      });
    } finally {
      await consumer.stop();
      await db.close();
    }
  },
});

Deno.test({
  name: "the producer's --compression batches are read back by kcat, another client",
  ...KAFKA_TEST,
  fn: async () => {
    const topic = await createTestTopic(1);
    const records = sampleRecords(50, 32);
    for (const codec of ["none", ...CODECS] as CompressionName[]) {
      const summary = await produceRecords(
        records.map((record, i) => ({ line: i + 1, record })),
        {
          kafka: testKafka("sales-tests-producer"),
          topic,
          partitions: 1,
          delayMs: [0, 0],
          compression: compressionType(codec),
        },
      );
      assert.equal(summary.sent, 50, codec);
    }
    const keys = await kcatKeys(topic);
    assert.equal(keys.length, 250);
    assert.deepEqual(new Set(keys), new Set(records.map((r) => String(r.sale_id))));
  },
});

Deno.test({
  name: "deno task produce --compression zstd sends every record, read back by kcat, exit 0",
  ...KAFKA_TEST,
  fn: async () => {
    const topic = await createTestTopic(1);
    const out = await new Deno.Command(Deno.execPath(), {
      args: [
        "run",
        "-A",
        `${ROOT}producer.ts`,
        ...["--generate", "20", "--seed", "3", "--delay", "0", "--quiet"],
        ...["--topic", topic, "--partitions", "1", "--compression", "zstd"],
      ],
      cwd: ROOT,
      env: { NO_COLOR: "1" },
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
    assert.match(new TextDecoder().decode(out.stdout), /sent 20 to /);
    const keys = await kcatKeys(topic);
    assert.deepEqual(new Set(keys), new Set(sampleRecords(20, 3).map((r) => String(r.sale_id))));
    assert.equal(keys.length, 20);
  },
});

Deno.test("deno task produce refuses a bad --compression or KAFKA_COMPRESSION: one sentence, exit 2", async () => {
  for (
    const [args, env, setting] of [
      [["--compression", "brotli"], {}, "--compression"],
      [["--compression="], {}, "--compression"],
      [[], { KAFKA_COMPRESSION: "LZ4" }, "KAFKA_COMPRESSION"],
    ] as const
  ) {
    const out = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${ROOT}producer.ts`, "--generate", "1", "--delay", "0", ...args],
      cwd: ROOT,
      env: { NO_COLOR: "1", ...env },
      stdout: "piped",
      stderr: "piped",
    }).output();
    const stderr = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 2, stderr);
    assert.match(
      stderr.split("\n")[0]!,
      new RegExp(`^error: ${setting} takes none, gzip, snappy, lz4, zstd; got "`),
    );
  }
});
