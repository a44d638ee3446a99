/** Kafka's default key partitioner (murmur2, as the Java client and kafkajs), without Buffer copies. */

const encoder = new TextEncoder();
let scratch = new Uint8Array(256);

/** The partition Kafka's default partitioner gives this key among `count` partitions. */
export function partitionForKey(key: string, count: number): number {
  if (key.length * 3 > scratch.length) scratch = new Uint8Array(key.length * 3);
  const { written } = encoder.encodeInto(key, scratch);
  return (murmur2(scratch, written) & 0x7fffffff) % count;
}

/** Kafka's murmur2 hash of the first `length` bytes. */
export function murmur2(data: Uint8Array, length = data.length): number {
  const m = 0x5bd1e995;
  let h = 0x9747b28c ^ length;
  const whole = length & ~3;
  for (let i = 0; i < whole; i += 4) {
    let k = data[i]! | (data[i + 1]! << 8) | (data[i + 2]! << 16) | (data[i + 3]! << 24);
    k = Math.imul(k, m);
    k ^= k >>> 24;
    k = Math.imul(k, m);
    h = Math.imul(h, m) ^ k;
  }
  switch (length & 3) {
    case 3:
      h ^= data[whole + 2]! << 16;
    // falls through
    case 2:
      h ^= data[whole + 1]! << 8;
    // falls through
    case 1:
      h ^= data[whole]!;
      h = Math.imul(h, m);
  }
  h ^= h >>> 13;
  h = Math.imul(h, m);
  h ^= h >>> 15;
  return h;
}
