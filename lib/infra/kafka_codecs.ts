/**
 * Kafka's compression codecs for every kafkajs client of the project: gzip (kafkajs' own), snappy
 * (kafkajs-snappy), LZ4 frames (lz4js) and zstd (fzstd to read, @bokuweb/zstd-wasm to write), all
 * pure JavaScript or WebAssembly. A batch that cannot be decompressed (a codec this client lacks,
 * a corrupt payload) does not fail the whole fetch: it is handed on as marker records that carry
 * the reason (`undecodableReason`), one per record of the batch with the batch's real offsets, so
 * the consumer can stop that partition alone.
 */
import { Buffer } from "node:buffer";
import { CompressionCodecs, CompressionTypes } from "kafkajs";
import type { CompressionName } from "./settings.ts";
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

/** The header that marks a record standing for an undecodable batch; its value is the reason. */
const UNDECODABLE_HEADER = "x-sales-undecodable";

/** The reason a fetched record stands for a batch that could not be decoded, or undefined. */
export function undecodableReason(
  message: { headers?: Record<string, unknown> },
): string | undefined {
  const value = message.headers?.[UNDECODABLE_HEADER];
  return value === undefined ? undefined : String(value);
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
    codecs[type] = options.leaveOut?.includes(name)
      ? guarded(type, () => missingCodec(`${name} compression is not supported by this client`))
      : guarded(type, CODECS[name]);
  }
  for (const type of [5, 6, 7]) {
    codecs[type] = guarded(type, () => missingCodec(`unknown compression type ${type}`));
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
 * fetch response that starts right after the record count, so the count and the batch's magic
 * byte and attributes are the bytes just before it.
 */
const RECORD_COUNT_BEFORE = 4;
const MAGIC_BEFORE = 61 - 16;
const ATTRIBUTES_BEFORE = 61 - 21;

/** The number of records of the batch whose compressed records `buffer` holds, when it can tell. */
function recordCount(buffer: Buffer, type: number): number | undefined {
  if (buffer.byteOffset < 61) return undefined;
  const view = new DataView(buffer.buffer, buffer.byteOffset - 61, 61);
  // The batch's length (after its offset and length fields) ends exactly where these records end.
  if (view.getInt32(8) !== 61 - 12 + buffer.length) return undefined;
  if (view.getInt8(61 - MAGIC_BEFORE) !== 2) return undefined;
  if ((view.getInt16(61 - ATTRIBUTES_BEFORE) & 0x07) !== type) return undefined;
  const count = view.getInt32(61 - RECORD_COUNT_BEFORE);
  return count > 0 && count <= 10_000_000 ? count : undefined;
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

/** `count` records with no key or value and the reason in UNDECODABLE_HEADER, offsets 0..count-1. */
function markerRecords(count: number, reason: string): Buffer {
  const parts: Buffer[] = [];
  for (let i = 0; i < count; i++) {
    parts.push(
      encodeRecord({
        offsetDelta: i,
        key: null,
        value: null,
        headers: { [UNDECODABLE_HEADER]: reason },
      })
        .buffer,
    );
  }
  return Buffer.concat(parts);
}

/** A codec that turns a failed or inconsistent decompression into marker records. */
function guarded(type: number, factory: () => Codec): () => Codec {
  return () => {
    const codec = factory();
    return {
      compress: (encoder) => codec.compress(encoder),
      async decompress(buffer) {
        const count = recordCount(buffer, type);
        let reason: string;
        try {
          const data = await codec.decompress(buffer);
          if (count === undefined || holdsRecords(data, count)) return data;
          reason = `the decompressed batch does not hold its ${count} records`;
        } catch (error) {
          if (count === undefined) throw error; // not a record batch kafkajs hands over whole
          reason = (error as Error).message || String(error);
        }
        return markerRecords(count, `cannot decode the batch: ${reason}`);
      },
    };
  };
}

registerKafkaCodecs();
