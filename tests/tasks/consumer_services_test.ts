import assert from "node:assert/strict";
import { Partitioners } from "kafkajs";
import { centsToDecimal } from "../../lib/core/money.ts";
import { dlqTopic } from "../../lib/infra/kafka.ts";
import { run } from "../../lib/infra/process.ts";
import { produceRecords } from "../../lib/produce/produce_records.ts";
import { findDrift } from "../../lib/store/verify.ts";
import { ConsumerProcess } from "../support/faults.ts";
import { sampleRecords, uniqueSuffix, waitFor } from "../support/fixtures.ts";
import { expectedTotals } from "../support/money.ts";
import {
  createTestDatabase,
  createTestTopic,
  readAllMessages,
  storedOffsetSum,
  testKafka,
} from "../support/services.ts";
import { runScript } from "../support/tasks.ts";

Deno.test({
  name: "a consumer killed with SIGKILL mid-stream and started again gives exact totals",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const db = await createTestDatabase();
    const topic = await createTestTopic(3);
    const group = `g-${uniqueSuffix()}`;
    const records = sampleRecords(30_000, 31);
    const stored = () => storedOffsetSum(db.sql, group);
    let first = new ConsumerProcess(db.url, topic, group, "first");
    try {
      const produced = produceRecords(records.map((record, i) => ({ line: i + 1, record })), {
        kafka: testKafka(),
        topic,
        partitions: 3,
        delayMs: [0, 0],
        batchSize: 1000,
      });
      await waitFor(
        async () => (await stored()) > 3000,
        "the first consumer to store some sales",
        90_000,
      );
      const killedStatus = await first.stop("SIGKILL");
      assert.equal(killedStatus.signal, "SIGKILL");
      const atKill = await stored();
      assert.ok(
        atKill < records.length,
        `the consumer finished (${atKill}) before it could be killed`,
      );
      await produced;

      first = new ConsumerProcess(db.url, topic, group, "second");
      await waitFor(
        async () => (await stored()) === records.length,
        "all offsets stored after restart",
        120_000,
      );
      const status = await first.stop("SIGTERM");
      assert.equal(
        status.code,
        0,
        `SIGTERM ends the consumer cleanly:\n${first.output.slice(-2000)}`,
      );

      const want = expectedTotals(records);
      const [t] = await db
        .sql`select sales_count::int, revenue::text, cost::text from sales_totals`;
      assert.deepEqual({ ...t }, {
        sales_count: want.count,
        revenue: centsToDecimal(want.revenue),
        cost: centsToDecimal(want.cost),
      });
      assert.deepEqual(await findDrift(db.sql), []);
      console.log(
        `killed at ${atKill}/${records.length} stored offsets; after restart ${want.count} sales, exact`,
      );
    } finally {
      await first.stop("SIGKILL");
      await db.close();
    }
  },
});

Deno.test({
  name: "after a run no full card number is in PostgreSQL (pg_dump), the consumer's log or the DLQ",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const db = await createTestDatabase();
    const topic = await createTestTopic(2);
    const group = `g-${uniqueSuffix()}`;
    const records = sampleRecords(300, 51);
    const cards = [...new Set(records.map((r) => String(r.credit_card_number)))];
    const kafka = testKafka();
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        ...records.map((r) => ({ key: String(r.sale_id), value: JSON.stringify(r) })),
        // Bad records that still carry a card number, spaced and plain.
        { key: "bad-1", value: JSON.stringify({ ...records[0], sale_id: "x1", state: "ZZ" }) },
        {
          key: "bad-2",
          value: `{"credit_card_number": "${cards[1]!.replace(/(\d{4})/g, "$1 ")}", oops`,
        },
      ],
    });
    await producer.disconnect();
    const consumer = new ConsumerProcess(db.url, topic, group, "pci", false);
    try {
      await waitFor(
        async () => (await storedOffsetSum(db.sql, group)) === records.length + 2,
        "all messages consumed",
      );
      await consumer.stop("SIGTERM");
      const dump = await run("pg_dump", ["--data-only", "--inserts", db.url]);
      assert.equal(dump.code, 0, dump.stderr);
      assert.ok(dump.stdout.includes(records[0]!.sale_id as string), "the dump holds the sales");
      const letters = await readAllMessages(dlqTopic(topic));
      assert.equal(letters.length, 2);
      const places = {
        "pg_dump": dump.stdout,
        "consumer log": consumer.output,
        "DLQ": letters.map((l) => `${l.value} ${l.error}`).join("\n"),
      };
      for (const [place, text] of Object.entries(places)) {
        const digits = text.replace(/[ -]/g, "");
        const found = cards.filter((card) => digits.includes(card));
        assert.deepEqual(found, [], `full card numbers in ${place}`);
      }
      assert.match(places.DLQ, /\*{12}\d{4}/, "the DLQ keeps the last four digits");
    } finally {
      await consumer.stop("SIGKILL");
      await db.close();
    }
  },
});

Deno.test("a consumer that cannot log in as its role says so in one line, exit 1", async () => {
  const db = await createTestDatabase();
  try {
    const name = new URL(db.url).pathname.slice(1);
    await db.sql`revoke connect on database ${db.sql(name)} from public, sales_writer`;
    const { code, stderr } = await runScript("consumer.ts", ["--database-url", db.url]);
    assert.equal(code, 1);
    assert.match(stderr, /^Cannot start consumer: .*permission denied for database/);
    assert.equal(stderr.trim().split("\n").length, 1, `one line, no stack trace:\n${stderr}`);
  } finally {
    await db.close();
  }
});
