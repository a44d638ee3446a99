/**
 * `deno task bench:write`: where the consumer's time goes, without Kafka. Times the per-record
 * JavaScript steps (decode with and without the fast path, card fingerprint, content hash) and
 * then `writeBatch` itself on a fresh database with 1 and 2 concurrent writers, splitting the CPU
 * time between this process's main thread and the PostgreSQL backends. Prints a table, then one
 * JSON object as the last line.
 */
import { parseCli } from "../lib/infra/cli.ts";
import { positiveInt } from "../lib/infra/settings.ts";
import { connect, maintenanceUrl, type Sql } from "../lib/infra/db.ts";
import { decode } from "../lib/core/decode.ts";
import { generateSales } from "../lib/produce/generate.ts";
import { migrate } from "../lib/infra/migrate.ts";
import { type Sale, SaleRecordSchema } from "../lib/core/sale.ts";
import { cardFingerprint, contentHash } from "../lib/core/hashing.ts";
import { cardHashSecret } from "../lib/infra/secret.ts";
import { writeBatch } from "../lib/store/write_batch.ts";
import { cpuMs } from "./bench/proc.ts";
import { microseconds, round, table, thousands } from "./bench/stats.ts";

const USAGE = `Usage: deno task bench:write [--n 60000] [--batch 2000] [--writers 1,2]

Times the consumer's write path without Kafka, on generated sales (seed 42):
  per record: decode (fast path), decode through zod only, card fingerprint, content hash
  writeBatch: sales/s into a fresh database, and CPU microseconds per sale spent on this
              process's main thread and in the PostgreSQL backends (read from /proc; n/a when
              PostgreSQL runs elsewhere)
Prints a table, then one JSON object as the last line. The database is dropped at the end.
  --n N          sales (default 60000)
  --batch N      sales per writeBatch call (default 2000)
  --writers A,B  concurrent writers to try, each on its own partition (default 1,2)`;

const { config, options: { n, batchSize, writerCounts } } = parseCli("bench:write", USAGE, {
  n: { type: "string" },
  batch: { type: "string" },
  writers: { type: "string" },
}, (values) => ({
  n: positiveInt("--n", String(values.n ?? "60000")),
  batchSize: positiveInt("--batch", String(values.batch ?? "2000")),
  writerCounts: String(values.writers ?? "1,2").split(",").map((w) => positiveInt("--writers", w)),
}));

const mainThreadMs = () => cpuMs(`/proc/${Deno.pid}/task/${Deno.pid}/stat`);

/** Microseconds per item of `step` over every item. */
function perItem<T>(items: T[], step: (item: T) => unknown): number {
  const started = performance.now();
  for (const item of items) step(item);
  return ((performance.now() - started) * 1000) / items.length;
}

/** Writes the sales with `writers` concurrent writers; returns sales/s and CPU µs per sale. */
async function timeWrites(sql: Sql, sales: Sale[], writers: number) {
  const backends = new Set<number>();
  // Touch every connection of the pool once to learn the backends' pids.
  await Promise.all(
    Array.from({ length: writers * 2 }, async () => {
      const [row] = await sql`select pg_backend_pid() as pid, pg_sleep(0.05)`;
      backends.add(row!.pid as number);
    }),
  );
  const backendMs = () => [...backends].reduce((sum, pid) => sum + cpuMs(`/proc/${pid}/stat`), 0);
  const [main0, pg0] = [mainThreadMs(), backendMs()];
  const started = performance.now();
  const share = Math.ceil(sales.length / writers);
  await Promise.all(Array.from({ length: writers }, async (_, partition) => {
    const mine = sales.slice(partition * share, (partition + 1) * share);
    let expected: string | null = null;
    for (let i = 0; i < mine.length; i += batchSize) {
      const chunk = mine.slice(i, i + batchSize);
      const nextOffset = String(i + chunk.length);
      await writeBatch(sql, {
        groupId: "bench-write",
        topic: "bench-write",
        partition,
        expectedOffset: expected,
        nextOffset,
        rejected: 0,
        sales: chunk.map((sale, j) => ({ sale, offset: String(i + j), soldAt: new Date() })),
      });
      expected = nextOffset;
    }
  }));
  const ms = performance.now() - started;
  return {
    rps: Math.round(sales.length / (ms / 1000)),
    mainUs: ((mainThreadMs() - main0) * 1000) / sales.length,
    pgUs: ((backendMs() - pg0) * 1000) / sales.length,
  };
}

const progress = (line: string) => console.error(`[bench:write] ${line}`);
progress(`generating ${n} sales`);
const records = [...generateSales(n, 42)];
const encoder = new TextEncoder();
const messages = records.map((r) => encoder.encode(JSON.stringify(r)));
const sales = messages.map((m) => {
  const decoded = decode(m);
  if (!decoded.ok) throw new Error(`generated record rejected: ${decoded.message}`);
  return decoded.sale;
});
const secret = cardHashSecret();
const fingerprints = sales.map((s) => cardFingerprint(s.cardNumber, secret));
const steps = {
  decode_us: perItem(messages, decode),
  decode_zod_only_us: perItem(records, (r) => SaleRecordSchema.safeParse(r)),
  fingerprint_us: perItem(sales, (s) => cardFingerprint(s.cardNumber, secret)),
  content_hash_us: perItem(
    sales.map((s, i) => [s, fingerprints[i]!] as const),
    ([s, f]) => contentHash(s, f),
  ),
};

const admin = connect(maintenanceUrl(config.databaseUrl), { max: 1 });
const writes: Record<number, Awaited<ReturnType<typeof timeWrites>>> = {};
try {
  for (const writers of writerCounts) {
    const name = `bench_write_${crypto.randomUUID().slice(0, 8)}`;
    await admin`create database ${admin(name)}`;
    const url = new URL(config.databaseUrl);
    url.pathname = `/${name}`;
    const sql = connect(url.toString(), { max: writers });
    try {
      await migrate(sql);
      progress(`writeBatch: ${n} sales, batches of ${batchSize}, ${writers} writer(s)`);
      writes[writers] = await timeWrites(sql, sales, writers);
    } finally {
      await sql.end({ timeout: 5 });
      await admin`drop database if exists ${admin(name)} with (force)`;
    }
  }
} finally {
  await admin.end({ timeout: 5 });
}

console.log(table([
  ["step", "value", "what"],
  [
    "decode",
    microseconds(steps.decode_us),
    "µs per message: UTF-8, JSON.parse, fast-path validation",
  ],
  [
    "decode, zod only",
    microseconds(steps.decode_zod_only_us),
    "µs per record: the schema alone (no fast path)",
  ],
  [
    "card fingerprint",
    microseconds(steps.fingerprint_us),
    "µs per sale: HMAC-SHA256 of the card number",
  ],
  [
    "content hash",
    microseconds(steps.content_hash_us),
    "µs per sale: SHA-256 of the normalised sale",
  ],
  ...writerCounts.flatMap((w) => [
    [`writeBatch, ${w} writer(s)`, thousands(writes[w]!.rps), `sales/s, batches of ${batchSize}`],
    [
      "  main thread",
      microseconds(writes[w]!.mainUs),
      "CPU µs per sale in this process's main thread",
    ],
    ["  PostgreSQL", microseconds(writes[w]!.pgUs), "CPU µs per sale in the PostgreSQL backends"],
  ]),
]));
console.log(JSON.stringify({
  n,
  batch: batchSize,
  ...Object.fromEntries(Object.entries(steps).map(([k, v]) => [k, round(v)])),
  ...Object.fromEntries(writerCounts.flatMap((w) => [
    [`write_rps_${w}`, writes[w]!.rps],
    [`write_main_us_${w}`, round(writes[w]!.mainUs, 1)],
    [`write_pg_us_${w}`, round(writes[w]!.pgUs, 1)],
  ])),
}));
