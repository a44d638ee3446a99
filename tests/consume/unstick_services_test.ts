/**
 * A batch the consumer's client cannot decode stops its partition (a sale before it carrying a
 * forged x-sales-undecodable header does not), and `deno task unstick` puts the batch's fetched
 * bytes in the dead-letter topic, where kcat reads them back and a client with the codec finds
 * exactly the skipped sales.
 */
import assert from "node:assert/strict";
import { decompress as zstdDecompress } from "fzstd";
import { startConsumer } from "../../lib/consume/runner.ts";
import { kafkaEndOffsets } from "../../lib/consume/lag.ts";
import { consumerMetrics } from "../../lib/consume/metrics.ts";
import { createRegistry, operationsResponse } from "../../lib/infra/metrics_server.ts";
import { parseMetrics, sum } from "../support/metrics.ts";
import type { SaleRecord } from "../../lib/core/sale.ts";
import { roleUrl } from "../../lib/infra/config.ts";
import { connect } from "../../lib/infra/db.ts";
import { dlqTopic } from "../../lib/infra/kafka.ts";
import { registerKafkaCodecs } from "../../lib/infra/kafka_codecs.ts";
import { sampleRecords, uniqueSuffix, waitFor } from "../support/fixtures.ts";
import { expectedStoredTotals, storedTotals } from "../support/sales_sql.ts";
import { kcatProduce } from "../support/kcat.ts";
import {
  config,
  createTestDatabase,
  createTestTopic,
  readAllMessages,
  testKafka,
} from "../support/services.ts";
import { runScript } from "../support/tasks.ts";

const KAFKA_TEST = { sanitizeOps: false, sanitizeResources: false };

/** The header the earlier consumer took as "this batch cannot be decoded". */
const FORGED = "x-sales-undecodable";
const HOSTILE = "<script>alert(1)</script> 4111 1111 1111 1111 \u001b[31m";

/** kcat's view of one message of a topic (partition 0): its value's bytes, exactly. */
async function kcatValue(topic: string, offset: number): Promise<Uint8Array> {
  const out = await new Deno.Command("kcat", {
    args: [
      ...["-C", "-b", config.kafkaBrokers.join(","), "-t", topic, "-p", "0"],
      ...["-o", String(offset), "-c", "1", "-e", "-q", "-f", "%s"],
    ],
    stdout: "piped",
    stderr: "piped",
  }).output();
  assert.equal(out.code, 0, new TextDecoder().decode(out.stderr));
  return out.stdout;
}

/** CRC-32C (Castagnoli), the checksum of a Kafka record batch. */
function crc32c(bytes: Uint8Array): number {
  let crc = ~0;
  for (const byte of bytes) {
    crc ^= byte;
    for (let k = 0; k < 8; k++) crc = crc & 1 ? (crc >>> 1) ^ 0x82f63b78 : crc >>> 1;
  }
  return ~crc >>> 0;
}

/** The records of a v2 record batch's decompressed payload: offset delta, key and value. */
function parseRecords(data: Uint8Array, count: number) {
  let at = 0;
  const varint = () => {
    let raw = 0, scale = 1, byte = 0x80;
    while (byte & 0x80) {
      byte = data[at++]!;
      raw += (byte & 0x7f) * scale;
      scale *= 128;
    }
    return raw % 2 === 0 ? raw / 2 : -(raw + 1) / 2;
  };
  const bytes = () => {
    const n = varint();
    if (n < 0) return null;
    at += n;
    return data.subarray(at - n, at);
  };
  const records = [];
  for (let i = 0; i < count; i++) {
    const end = varint() + at;
    at++; // attributes
    varint(); // timestamp delta
    const offsetDelta = varint();
    const key = new TextDecoder().decode(bytes()!);
    const value = new TextDecoder().decode(bytes()!);
    records.push({ offsetDelta, key, value });
    at = end;
  }
  assert.equal(at, data.length);
  return records;
}

Deno.test({
  name:
    "a batch the client cannot decode still stops its partition; unstick dead-letters its fetched bytes, which hold the skipped sales",
  ...KAFKA_TEST,
  fn: async () => {
    // This process reads zstd as a client without the codec would: its batches cannot be decoded.
    registerKafkaCodecs({ leaveOut: ["zstd"] });
    const db = await createTestDatabase();
    const writer = connect(roleUrl(db.url, "sales_writer"), { max: 3 });
    const topic = await createTestTopic(2);
    const group = `g-${uniqueSuffix()}`;
    const records = sampleRecords(60, 52);
    const [before, forged, poison, after, other] = [0, 10, 11, 21, 40].map((at, i, all) =>
      records.slice(at, all[i + 1] ?? 60)
    );
    const lines: string[] = [];
    // Its metrics and readiness, as consumer.ts serves them.
    const registry = createRegistry();
    const endOffsets = kafkaEndOffsets(testKafka(), topic);
    const metrics = consumerMetrics(registry, { sql: writer, groupId: group, topic, endOffsets });
    const operations = async (path: string) => {
      const res = await operationsResponse(
        new Request(`http://x${path}`),
        registry,
        metrics.readiness,
      );
      return { status: res.status, body: await res.text() };
    };
    const stuckGauge = async () =>
      sum(parseMetrics((await operations("/metrics")).body), "sales_consumer_stuck_partitions");
    const consumer = await startConsumer({
      observer: metrics.observer,
      kafka: testKafka(),
      sql: writer,
      topic,
      groupId: group,
      partitions: 2,
      stuckPollMs: 200,
      log: (line) => lines.push(line),
    });
    metrics.started();
    const env = { DATABASE_URL: db.url, CONSUMER_GROUP: group, SALES_TOPIC: topic };
    try {
      await kcatProduce(topic, "gzip", before!, 0); // offsets 0..9
      await kcatProduce(topic, "none", forged!, 0, [`${FORGED}=${HOSTILE}`]); // 10: a sale
      await kcatProduce(topic, "zstd", poison!, 0); // 11..20: cannot be decoded here
      await kcatProduce(topic, "snappy", after!, 0); // 21..39
      await kcatProduce(topic, "lz4", other!, 1);

      const flowing = [...before!, ...forged!, ...other!];
      await waitFor(async () => (await storedTotals(db.sql)).n === flowing.length, "sales", 30_000);
      await waitFor(
        async () => (await db.sql`select 1 from stuck_partitions`).length === 1,
        "the stuck mark",
        10_000,
      );
      await new Promise((r) => setTimeout(r, 1_500)); // nothing more may arrive meanwhile
      assert.deepEqual(await storedTotals(db.sql), expectedStoredTotals(flowing));
      const [mark] = await db.sql`
        select partition, from_offset::int, to_offset::int, reason, length(batch)::int as bytes
        from stuck_partitions`;
      assert.deepEqual({ ...mark, bytes: undefined }, {
        partition: 0,
        from_offset: 11,
        to_offset: 20,
        reason: "cannot decode the batch: zstd compression is not supported by this client",
        bytes: undefined,
      });
      const stopped = lines.filter((l) => l.startsWith("partition 0 stopped"));
      assert.deepEqual(stopped, [
        `partition 0 stopped: offsets 11..20 of ${topic} cannot be decoded (cannot decode the ` +
        "batch: zstd compression is not supported by this client); the other partitions go " +
        `on; see \`deno task unstick --topic ${topic} --partition 0\``,
      ]);
      // Not ready while a partition is stopped: /readyz says which, the gauge counts it.
      assert.equal(await stuckGauge(), 1);
      assert.deepEqual(await operations("/readyz"), {
        status: 503,
        body: '{"status":"not ready","reason":"partition 0 stopped at a batch it cannot decode; ' +
          'see deno task unstick"}\n',
      });
      // The dashboard's role reads the mark, not the batch.
      const reader = connect(roleUrl(db.url, "sales_reader"), { max: 1 });
      try {
        await assert.rejects(reader`select batch from stuck_partitions`, /permission denied/);
      } finally {
        await reader.end({ timeout: 5 });
      }

      const done = await runScript("scripts/unstick.ts", ["--partition", "0", "--yes"], env);
      assert.equal(done.code, 0, done.stderr);
      const all = [...flowing, ...after!];
      await waitFor(async () => (await storedTotals(db.sql)).n === all.length, "the rest", 30_000);
      assert.deepEqual(await storedTotals(db.sql), expectedStoredTotals(all));
      assert.equal(await stuckGauge(), 0);
      assert.deepEqual(await operations("/readyz"), { status: 200, body: '{"status":"ready"}\n' });

      // The DLQ: the batch's bytes, then its description.
      const letters = await readAllMessages(dlqTopic(topic));
      assert.equal(letters.length, 2);
      for (const letter of letters) {
        assert.equal(letter.offset, "11");
        assert.equal(
          letter.error,
          "undecodable_batch: cannot decode the batch: zstd compression is not supported by " +
            "this client",
        );
      }
      const raw = await kcatValue(dlqTopic(topic), 0);
      assert.equal(JSON.parse(letters[1]!.value).batch_bytes, raw.length);
      assert.equal(mark!.bytes, raw.length);

      // They are the batch as the broker holds it: offsets 11..20, zstd, an intact checksum.
      const header = new DataView(raw.buffer, raw.byteOffset, 61);
      assert.equal(header.getBigInt64(0), 11n);
      assert.equal(header.getInt32(8), raw.length - 12);
      assert.equal(header.getInt8(16), 2);
      assert.equal(header.getInt16(21) & 0x07, 4);
      assert.equal(header.getInt32(23), 9);
      assert.equal(header.getInt32(57), 10);
      assert.equal(header.getUint32(17), crc32c(raw.subarray(21)), "nothing masked or changed");

      // ... from which a client with the codec recovers exactly the skipped sales.
      const recovered = parseRecords(zstdDecompress(raw.subarray(61)), 10);
      assert.deepEqual(recovered.map((r) => r.offsetDelta), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      assert.deepEqual(recovered.map((r) => r.key), poison!.map((r) => String(r.sale_id)));
      const sales = recovered.map((r) => JSON.parse(r.value) as SaleRecord);
      assert.deepEqual(sales, poison);
      assert.deepEqual(expectedStoredTotals([...all, ...sales]), expectedStoredTotals(records));
    } finally {
      registerKafkaCodecs();
      await consumer.stop();
      await endOffsets.close();
      await writer.end({ timeout: 5 });
      await db.close();
    }
  },
});
