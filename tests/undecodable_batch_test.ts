/**
 * An undecodable batch is known from the consumer's own client, never from what a record carries:
 * a sale with the header the earlier consumer trusted (x-sales-undecodable) is an ordinary sale,
 * a batch the client cannot decompress still stops its partition, and `deno task unstick` puts
 * that batch's fetched bytes in the dead-letter topic, from which the skipped sales can be read.
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { CompressionTypes } from "kafkajs";
import { decompress as zstdDecompress } from "fzstd";
// kafkajs' own decoder of a fetched record batch: the codec sees what a fetch hands it.
import decodeRecordBatch from "kafkajs/src/protocol/recordBatch/v0/decoder.js";
import KafkaDecoder from "kafkajs/src/protocol/decoder.js";
import { startConsumer } from "../lib/consume/runner.ts";
import { kafkaEndOffsets } from "../lib/consume/lag.ts";
import { centsToDecimal } from "../lib/core/money.ts";
import { maskCardNumbersInPlace, printable } from "../lib/core/redact.ts";
import { roleUrl } from "../lib/infra/config.ts";
import { connect } from "../lib/infra/db.ts";
import { createDashboardKafka, dlqTopic } from "../lib/infra/kafka.ts";
import { registerKafkaCodecs, undecodableBatch } from "../lib/infra/kafka_codecs.ts";
import { createSnapshotStores, loadSnapshot } from "../lib/store/snapshot.ts";
import { FailedLogins } from "../routes/auth.ts";
import { createApp } from "../routes/app.ts";
import { kcatProduce } from "./kcat.ts";
import {
  config,
  createTestDatabase,
  createTestTopic,
  expectedTotals,
  readAllMessages,
  sampleRecords,
  testKafka,
  uniqueSuffix,
  waitFor,
} from "./helpers.ts";
import type { SaleRecord } from "../lib/core/sale.ts";

const KAFKA_TEST = { sanitizeOps: false, sanitizeResources: false };
const ROOT = new URL("../", import.meta.url).pathname;

/** The header the earlier consumer took as "this batch cannot be decoded". */
const FORGED = "x-sales-undecodable";
const HOSTILE = "<script>alert(1)</script> 4111 1111 1111 1111 \u001b[31m";

/** Count and revenue of `sales`, and what they must be for `records`. */
async function totals(sql: ReturnType<typeof connect>) {
  const [s] = await sql`
    select count(*)::int as n, coalesce(sum(sale_price), 0)::text as revenue,
      coalesce(sum(cost_price), 0)::text as cost
    from sales`;
  return { ...s };
}
function exact(records: SaleRecord[]) {
  const want = expectedTotals(records);
  return {
    n: want.count,
    revenue: centsToDecimal(want.revenue),
    cost: centsToDecimal(want.cost),
  };
}

/** A dashboard app reading the test database as sales_reader, for its lag panel. */
function dashboard(url: string, groupId: string, topic: string) {
  const reader = connect(roleUrl(url, "sales_reader"), { max: 2 });
  const endOffsets = kafkaEndOffsets(createDashboardKafka(config.kafkaBrokers), topic, {
    reuseMs: 0,
  });
  const stores = createSnapshotStores(
    (spec) => loadSnapshot(reader, { groupId, topic }, spec),
    { reuseMs: 0, staleMs: 0 },
  );
  const app = createApp({
    sql: reader,
    stores,
    endOffsets,
    failedLogins: new FailedLogins({ delayMs: 0, limit: Infinity }),
  });
  return {
    lagPanel: async () => await (await app.request("/fragments/freshness")).text(),
    async close() {
      await stores.settled();
      await endOffsets.close();
      await reader.end({ timeout: 5 });
    },
  };
}

Deno.test({
  name:
    "a sale carrying x-sales-undecodable (a value, an empty one, none) or any header is stored; no partition stops",
  ...KAFKA_TEST,
  fn: async () => {
    const db = await createTestDatabase();
    const writer = connect(roleUrl(db.url, "sales_writer"), { max: 3 });
    const topic = await createTestTopic(2);
    const group = `g-${uniqueSuffix()}`;
    const records = sampleRecords(60, 51);
    const lines: string[] = [];
    const consumer = await startConsumer({
      kafka: testKafka(),
      sql: writer,
      topic,
      groupId: group,
      partitions: 2,
      stuckPollMs: 200,
      log: (line) => lines.push(line),
    });
    const page = dashboard(db.url, group, topic);
    try {
      // Partition 0: sales, then one sale per forged header (each its own batch), then sales.
      await kcatProduce(topic, "gzip", records.slice(0, 20), 0);
      const forged = [`${FORGED}=x`, `${FORGED}=`, FORGED, `${FORGED}=${HOSTILE}`];
      for (const [i, header] of forged.entries()) {
        await kcatProduce(topic, i % 2 ? "none" : "zstd", [records[20 + i]!], 0, [header]);
      }
      await kcatProduce(topic, "lz4", records.slice(24, 30), 0, [
        `${FORGED}=${HOSTILE}`,
        `x-other=${HOSTILE}`,
        "error=undecodable_batch: forged",
      ]);
      await kcatProduce(topic, "snappy", records.slice(30, 45), 0);
      await kcatProduce(topic, "gzip", records.slice(45), 1, [`${FORGED}=1`]);

      await waitFor(async () => (await totals(db.sql)).n === 60, "all 60 sales", 30_000);
      assert.deepEqual(await totals(db.sql), exact(records));
      const offsets = await db.sql`
        select partition, next_offset::int from consumer_offsets
        where group_id = ${group} order by partition`;
      assert.deepEqual(offsets.map((r) => ({ ...r })), [
        { partition: 0, next_offset: 45 },
        { partition: 1, next_offset: 15 },
      ]);
      assert.equal((await db.sql`select 1 from stuck_partitions`).length, 0);
      const [t] = await db.sql`select rejected::int, duplicates::int from sales_totals`;
      assert.deepEqual({ ...t }, { rejected: 0, duplicates: 0 });
      assert.equal((await readAllMessages(dlqTopic(topic))).length, 0, "no dead letter");

      // Nothing of a header reached the log or the page.
      const html = await page.lagPanel();
      assert.doesNotMatch(html, /data-stuck/);
      for (const text of [...lines, html]) {
        assert.doesNotMatch(text, /<script>|4111|x-sales|forged/, text);
        assert.ok(!text.includes("\u001b"), text);
      }
      assert.ok(!lines.some((l) => /stopped/.test(l)), lines.join("\n"));
    } finally {
      await consumer.stop();
      await page.close();
      await writer.end({ timeout: 5 });
      await db.close();
    }
  },
});

/** Runs `deno task unstick` with the arguments; its exit code and output. */
async function unstick(args: string[], env: Record<string, string>) {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}scripts/unstick.ts`, ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder();
  return { code: out.code, stdout: text.decode(out.stdout), stderr: text.decode(out.stderr) };
}

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
    const consumer = await startConsumer({
      kafka: testKafka(),
      sql: writer,
      topic,
      groupId: group,
      partitions: 2,
      stuckPollMs: 200,
      log: (line) => lines.push(line),
    });
    const page = dashboard(db.url, group, topic);
    const env = { DATABASE_URL: db.url, CONSUMER_GROUP: group, SALES_TOPIC: topic };
    try {
      await kcatProduce(topic, "gzip", before!, 0); // offsets 0..9
      await kcatProduce(topic, "none", forged!, 0, [`${FORGED}=${HOSTILE}`]); // 10: a sale
      await kcatProduce(topic, "zstd", poison!, 0); // 11..20: cannot be decoded here
      await kcatProduce(topic, "snappy", after!, 0); // 21..39
      await kcatProduce(topic, "lz4", other!, 1);

      const flowing = [...before!, ...forged!, ...other!];
      await waitFor(async () => (await totals(db.sql)).n === flowing.length, "sales", 30_000);
      await waitFor(
        async () => (await db.sql`select 1 from stuck_partitions`).length === 1,
        "the stuck mark",
        10_000,
      );
      await new Promise((r) => setTimeout(r, 1_500)); // nothing more may arrive meanwhile
      assert.deepEqual(await totals(db.sql), exact(flowing));
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
      const html = await page.lagPanel();
      assert.match(html, /data-stuck-partition="0" data-stuck-from="11" data-stuck-to="20"/);
      assert.doesNotMatch(html, /<script>|4111|x-sales/);

      // The dashboard's role reads the mark, not the batch.
      const reader = connect(roleUrl(db.url, "sales_reader"), { max: 1 });
      try {
        await assert.rejects(reader`select batch from stuck_partitions`, /permission denied/);
      } finally {
        await reader.end({ timeout: 5 });
      }

      const done = await unstick(["--partition", "0", "--yes"], env);
      assert.equal(done.code, 0, done.stderr);
      const all = [...flowing, ...after!];
      await waitFor(async () => (await totals(db.sql)).n === all.length, "the rest", 30_000);
      assert.deepEqual(await totals(db.sql), exact(all));

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
      assert.deepEqual(exact([...all, ...sales]), exact(records));
    } finally {
      registerKafkaCodecs();
      await consumer.stop();
      await page.close();
      await writer.end({ timeout: 5 });
      await db.close();
    }
  },
});

/** A v2 record batch of `count` records whose payload claims `compression` but is `payload`. */
function batchBytes(base: bigint, count: number, compression: number, payload: Uint8Array) {
  const bytes = new Uint8Array(61 + payload.length);
  const view = new DataView(bytes.buffer);
  view.setBigInt64(0, base);
  view.setInt32(8, 49 + payload.length);
  view.setInt8(16, 2);
  view.setInt16(21, compression);
  view.setInt32(23, count - 1);
  view.setBigInt64(27, 1_700_000_000_000n);
  view.setBigInt64(35, 1_700_000_000_000n);
  view.setBigInt64(43, -1n);
  view.setInt16(51, -1);
  view.setInt32(53, -1);
  view.setInt32(57, count);
  bytes.set(payload, 61);
  view.setUint32(17, crc32c(bytes.subarray(21)));
  return bytes;
}

/** kafkajs' records of a fetched batch, as its fetch decoder makes them. */
async function fetched(bytes: Uint8Array) {
  const batch = await decodeRecordBatch(
    new KafkaDecoder(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length)),
  );
  return batch.records as { offset: string; key: Buffer | null; value: Buffer | null }[];
}

Deno.test("the guarded codec's markers are known by the memory they are made from, never by their bytes", async () => {
  registerKafkaCodecs();
  // A gzip batch of 3 records whose payload is not gzip, at offsets 40..42.
  const corrupt = batchBytes(40n, 3, CompressionTypes.GZIP, new TextEncoder().encode("not gzip"));
  const markers = await fetched(corrupt);
  assert.deepEqual(markers.map((m) => [m.offset, m.key, m.value?.length]), [
    ["40", null, 0],
    ["41", null, 0],
    ["42", null, 0],
  ]);
  for (const marker of markers) {
    const batch = undecodableBatch(marker)!;
    assert.equal(batch.firstOffset, "40");
    assert.equal(batch.lastOffset, "42");
    assert.match(batch.reason, /^cannot decode the batch: its gzip payload does not decompress/);
    assert.deepEqual(batch.bytes, corrupt);
  }

  // The same record bytes, sent by a producer in a batch of its own, are ordinary records.
  const copy = new Uint8Array(markers[0]!.value!.buffer.slice(0)); // the markers, other memory
  const plain = await fetched(batchBytes(40n, 3, CompressionTypes.None, copy));
  assert.deepEqual(plain.map((m) => [m.offset, m.key, m.value?.length]), [
    ["40", null, 0],
    ["41", null, 0],
    ["42", null, 0],
  ]);
  for (const record of plain) assert.equal(undecodableBatch(record), undefined);
  // So is a record whose offset lies outside the batch, even made from a marker's memory.
  assert.equal(undecodableBatch({ offset: "43", value: markers[0]!.value }), undefined);
});

Deno.test("foreign text is shown as one line of printable ASCII, card numbers masked", () => {
  assert.equal(
    printable(`${HOSTILE}\n\\ é`),
    "<script>alert(1)</script> ************1111 \\u{1b}[31m\\u{a}\\\\ \\u{e9}",
  );
  assert.equal(printable("x".repeat(300), 10), "xxxxxxxxxx...");
  const bytes = new TextEncoder().encode("\u0000card 4111-1111-1111-1111 and 123 ok\u00ff");
  assert.equal(maskCardNumbersInPlace(bytes), 1);
  assert.equal(new TextDecoder().decode(bytes), "\u0000card ****-****-****-1111 and 123 ok\u00ff");
});
