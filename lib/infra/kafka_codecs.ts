/**
 * Kafka's compression codecs for every kafkajs client of the project: gzip (kafkajs' own), snappy
 * (kafkajs-snappy), LZ4 frames (lz4js) and zstd (fzstd to read, @bokuweb/zstd-wasm to write), all
 * pure JavaScript or WebAssembly. A batch that cannot be decompressed (a codec this client lacks,
 * a corrupt payload) does not fail the whole fetch: it is handed on as empty marker records, one
 * per record of the batch at the batch's real offsets, so the consumer can stop that partition
 * alone. What marks them is out of band: they are made from memory this module allocated and
 * registered with the batch (`undecodableBatch`), which no record a broker delivers can be; a
 * record's key, value and headers (anything a producer can set) play no part.
 */
import { Buffer } from "node:buffer";
import { CompressionCodecs, CompressionTypes } from "kafkajs";
import type { CompressionName } from "./settings.ts";
import { maskCardNumbersInPlace, printable } from "../core/redact.ts";
// kafkajs' own record encoder writes the markers exactly as its decoder reads records.
import encodeRecord from "kafkajs/src/protocol/recordBatch/record/v0/index.js";
import SnappyCodec from "kafkajs-snappy";
import lz4 from "lz4js";
import xxh32 from "lz4js/xxh32.js";
import { decompress as zstdDecompress } from "fzstd";
import { compress as zstdCompress, init as zstdInit } from "@bokuweb/zstd-wasm";

/** One of the compression names KAFKA_COMPRESSION takes (settings.ts). */
export type { CompressionName };

/** kafkajs' compression type of a name (`none` is no compression). */
export function compressionType(name: CompressionName): CompressionTypes {
  return {
    none: CompressionTypes.None,
    gzip: CompressionTypes.GZIP,
    snappy: CompressionTypes.Snappy,
    lz4: CompressionTypes.LZ4,
    zstd: CompressionTypes.ZSTD,
  }[name];
}

/** A batch this client fetched but could not decode, as its guarded codec met it. */
export interface UndecodableBatch {
  /** the batch's first and last offsets, from its header */
  firstOffset: string;
  lastOffset: string;
  /** why, in this project's words (a library's message about it escaped: `printable`) */
  reason: string;
  /**
   * the batch as fetched: its 61-byte header and its compressed records (a v2 record batch), a
   * copy, with any card-number-like run of ASCII digits masked in place (same length)
   */
  bytes: Uint8Array;
}

/**
 * The undecodable batches of this process, by the memory their marker records were made from:
 * kafkajs slices every record's value from the buffer a codec returns, so a marker's value keeps
 * a reference to that memory, and the entry lives as long as a marker does.
 */
const undecodable = new WeakMap<ArrayBufferLike, UndecodableBatch>();

/**
 * The undecodable batch a fetched message stands for, or undefined for every record a broker
 * delivered, whatever its key, value or headers: only the guarded codec's marker records are made
 * from memory registered here.
 */
export function undecodableBatch(
  message: { offset: string; value: Uint8Array | null },
): UndecodableBatch | undefined {
  const memory = message.value?.buffer;
  const batch = memory ? undecodable.get(memory) : undefined;
  if (!batch) return undefined;
  const offset = BigInt(message.offset);
  return offset >= BigInt(batch.firstOffset) && offset <= BigInt(batch.lastOffset)
    ? batch
    : undefined;
}

/** A codec as kafkajs calls it. */
interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

type CodecName = Exclude<CompressionName, "none">;

/** kafkajs' own gzip codec, kept before it is wrapped. */
const gzipFactory = (CompressionCodecs as Record<number, () => Codec>)[CompressionTypes.GZIP]!;

let zstdReady: Promise<void> | undefined;

/** LZ4 frames hold blocks of at most 4 MiB; lz4js' matches may reach back into earlier blocks. */
const LZ4_BLOCK = 4 * 1024 * 1024;

/** The codecs by name; each compresses what Kafka brokers and other clients read. */
const CODECS: Record<CodecName, () => Codec> = {
  gzip: gzipFactory,
  snappy: SnappyCodec as () => Codec,
  lz4: () => ({
    compress(encoder) {
      if (encoder.buffer.length > LZ4_BLOCK) {
        return Promise.reject(new Error("an LZ4 batch is limited to 4 MiB before compression"));
      }
      // One block, so its blocks are independent: Kafka refuses frames that do not say so
      // ("Dependent block stream is unsupported"). Set the flag, then the descriptor checksum.
      const frame = Buffer.from(lz4.compress(encoder.buffer));
      frame[4] = frame[4]! | 0x20;
      frame[6] = (xxh32.hash(0, frame, 4, 2) >> 8) & 0xff;
      return Promise.resolve(frame);
    },
    decompress: (buffer) => Promise.resolve(Buffer.from(lz4.decompress(buffer))),
  }),
  zstd: () => ({
    async compress(encoder) {
      await (zstdReady ??= zstdInit());
      return Buffer.from(zstdCompress(encoder.buffer, 3));
    },
    // fzstd reads frames with or without their content size (Java clients stream without it).
    decompress: (buffer) => Promise.resolve(Buffer.from(zstdDecompress(buffer))),
  }),
};

const TYPES: Record<CodecName, number> = {
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
  zstd: CompressionTypes.ZSTD,
};

/** Options of registerKafkaCodecs. */
export interface CodecOptions {
  /** codecs to leave out, as on a client without them (tests of undecodable batches) */
  leaveOut?: CodecName[];
}

/**
 * Registers every codec with kafkajs (process-wide), each guarded so an undecodable batch becomes
 * marker records; compression type bits 5 to 7, which no codec has, are guarded too. kafka.ts
 * calls it once on import; calling it again replaces the registration.
 */
export function registerKafkaCodecs(options: CodecOptions = {}): void {
  const codecs = CompressionCodecs as Record<number, () => Codec>;
  for (const name of Object.keys(TYPES) as CodecName[]) {
    const type = TYPES[name];
    const missing = `${name} compression is not supported by this client`;
    codecs[type] = options.leaveOut?.includes(name)
      ? guarded(type, () => missingCodec(missing), missing)
      : guarded(type, CODECS[name]);
  }
  for (const type of [5, 6, 7]) {
    const missing = `unknown compression type ${type}`;
    codecs[type] = guarded(type, () => missingCodec(missing), missing);
  }
}

function missingCodec(reason: string): Codec {
  return {
    compress: () => Promise.reject(new Error(reason)),
    decompress: () => Promise.reject(new Error(reason)),
  };
}

/**
 * The batch header before the records of a v2 record batch: kafkajs hands a codec a view of the
 * fetch response that starts right after the record count, so the header is the 61 bytes just
 * before it: base offset (8), length (4), leader epoch (4), magic (1), CRC (4), attributes (2),
 * last offset delta (4), first and max timestamp (8 + 8), producer id (8) and epoch (2), first
 * sequence (4), record count (4).
 */
const HEADER = 61;
const LENGTH_AT = 8;
const MAGIC_AT = 16;
const ATTRIBUTES_AT = 21;
const LAST_OFFSET_DELTA_AT = 23;
const RECORD_COUNT_AT = 57;

/** What the header says of the batch whose compressed records `buffer` holds, when it can tell. */
interface BatchHeader {
  firstOffset: bigint;
  lastOffsetDelta: number;
  count: number;
}

/** The header of the batch whose compressed records `buffer` holds, when it can tell. */
function batchHeader(buffer: Buffer, type: number): BatchHeader | undefined {
  if (buffer.byteOffset < HEADER) return undefined;
  const view = new DataView(buffer.buffer, buffer.byteOffset - HEADER, HEADER);
  // The batch's length (after its offset and length fields) ends exactly where these records end.
  if (view.getInt32(LENGTH_AT) !== HEADER - 12 + buffer.length) return undefined;
  if (view.getInt8(MAGIC_AT) !== 2) return undefined;
  if ((view.getInt16(ATTRIBUTES_AT) & 0x07) !== type) return undefined;
  const count = view.getInt32(RECORD_COUNT_AT);
  const lastOffsetDelta = view.getInt32(LAST_OFFSET_DELTA_AT);
  if (count <= 0 || count > 10_000_000 || lastOffsetDelta < count - 1) return undefined;
  return { firstOffset: view.getBigInt64(0), lastOffsetDelta, count };
}

/** True when `data` is exactly `count` length-prefixed records (zigzag varint lengths). */
function holdsRecords(data: Uint8Array, count: number): boolean {
  let at = 0;
  for (let i = 0; i < count; i++) {
    let raw = 0, shift = 0, byte = 0x80;
    while (byte & 0x80) {
      if (at >= data.length || shift > 28) return false;
      byte = data[at++]!;
      raw |= (byte & 0x7f) << shift;
      shift += 7;
    }
    const length = (raw >>> 1) ^ -(raw & 1);
    if (length < 0 || at + length > data.length) return false;
    at += length;
  }
  return at === data.length;
}

const EMPTY = Buffer.alloc(0);

/**
 * The batch's records as empty markers (no key, an empty value, no headers) at its offsets (the
 * last at its last offset), in memory of their own registered as `batch`.
 */
function markerRecords(header: BatchHeader, batch: UndecodableBatch): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < header.count; i++) {
    const offsetDelta = i === header.count - 1 ? header.lastOffsetDelta : i;
    parts.push(encodeRecord({ offsetDelta, key: null, value: EMPTY, headers: {} }).buffer);
  }
  const memory = new Uint8Array(new ArrayBuffer(parts.reduce((n, p) => n + p.length, 0)));
  let at = 0;
  for (const part of parts) {
    memory.set(part, at);
    at += part.length;
  }
  undecodable.set(memory.buffer, batch);
  return Buffer.from(memory.buffer);
}

/** The batch's bytes as fetched (a copy), card-number-like digit runs masked in place. */
function fetchedBatch(header: BatchHeader, buffer: Buffer, reason: string): UndecodableBatch {
  const bytes = new Uint8Array(buffer.buffer, buffer.byteOffset - HEADER, HEADER + buffer.length)
    .slice();
  maskCardNumbersInPlace(bytes);
  return {
    firstOffset: String(header.firstOffset),
    lastOffset: String(header.firstOffset + BigInt(header.lastOffsetDelta)),
    reason: `cannot decode the batch: ${reason}`,
    bytes,
  };
}

/** The name of a compression type, for reasons. */
function typeName(type: number): string {
  return (Object.keys(TYPES) as CodecName[]).find((name) => TYPES[name] === type) ??
    `compression type ${type}`;
}

/** A codec that turns a failed or inconsistent decompression into marker records. */
function guarded(type: number, factory: () => Codec, missing?: string): () => Codec {
  return () => {
    const codec = factory();
    return {
      compress: (encoder) => codec.compress(encoder),
      async decompress(buffer) {
        const header = batchHeader(buffer, type);
        let reason: string;
        try {
          const data = await codec.decompress(buffer);
          if (header === undefined || holdsRecords(data, header.count)) return data;
          reason = `the decompressed ${typeName(type)} batch does not hold its ${header.count} ` +
            "records";
        } catch (error) {
          if (header === undefined) throw error; // not a record batch kafkajs hands over whole
          // Our own sentence; a library's message is foreign text (it may quote the payload).
          reason = missing ??
            `its ${typeName(type)} payload does not decompress (${
              printable((error as Error)?.message ?? String(error), 120)
            })`;
        }
        return markerRecords(header, fetchedBatch(header, buffer, reason));
      },
    };
  };
}

registerKafkaCodecs();
