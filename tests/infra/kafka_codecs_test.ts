/** The guarded codecs: an undecodable batch is known by the memory of its markers, never by bytes. */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { CompressionTypes } from "kafkajs";
// kafkajs' own decoder of a fetched record batch: the codec sees what a fetch hands it.
import decodeRecordBatch from "kafkajs/src/protocol/recordBatch/v0/decoder.js";
import KafkaDecoder from "kafkajs/src/protocol/decoder.js";
import { registerKafkaCodecs, undecodableBatch } from "../../lib/infra/kafka_codecs.ts";

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
  bytes.set(payload, 61); // no CRC: kafkajs does not check it
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
