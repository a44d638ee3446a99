/**
 * (f) Growth: a database already holding a history of N sales, filled quickly (COPY into the
 * normalised tables, then the aggregate rebuild of `deno task rebuild`), its size on disk, and the
 * sizes to measure as `--growth` gives them.
 */
import { finished } from "node:stream/promises";
import { once } from "node:events";
import { connect, type Sql } from "../../lib/infra/db.ts";
import { ConfigError } from "../../lib/infra/settings.ts";
import { US_CITIES } from "../../lib/core/us_cities.ts";
import { CARDS, CATALOGUE, seededRandom } from "../../lib/produce/generate.ts";
import { textArray } from "../../lib/store/pg_arrays.ts";
import { rebuildAggregates } from "../../lib/store/verify.ts";

/** A value as a message quotes it: JSON, cut to its first 60 characters. */
function quoted(text: string): string {
  return JSON.stringify(text.length > 60 ? `${text.slice(0, 60)}...` : text);
}

/** A whole number from min to max in plain digits (no sign, exponent or hex); NaN otherwise. */
function plainWhole(text: string, min: number, max: number): number {
  const n = /^\d{1,10}$/.test(text) ? Number(text) : NaN;
  return n >= min && n <= max ? n : NaN;
}

/**
 * Reads the database a kept-history tool (keep_history.ts, ingest_into.ts, dashboard_on.ts) works
 * on: `bench_` and then lower-case letters, digits or `_`, so these tools never create, fill, drop
 * or load a database of the project's own. Throws ConfigError.
 */
export function keptDatabaseName(name: string, text: string | undefined): string {
  if (text === undefined) throw new ConfigError(`${name} is required`);
  if (!/^bench_[a-z0-9_]{1,40}$/.test(text)) {
    throw new ConfigError(
      `${name} takes a database name of bench_ and then up to 40 lower-case letters, digits or _ ` +
        `(these tools touch no other database), got ${quoted(text)}`,
    );
  }
  return text;
}

/**
 * Reads a whole number from min to max written in plain digits (no sign, exponent or hex), for a
 * kept-history tool's counts and seeds. Throws ConfigError naming the option.
 */
export function wholeNumber(
  name: string,
  text: string | undefined,
  min: number,
  max: number,
): number {
  if (text === undefined) throw new ConfigError(`${name} is required`);
  const n = plainWhole(text, min, max);
  if (Number.isNaN(n)) {
    throw new ConfigError(
      `${name} takes a whole number from ${min} to ${max} in plain digits, got ${quoted(text)}`,
    );
  }
  return n;
}

/** The largest stored size `--growth` takes (a billion sales is far beyond one machine's disk). */
export const MAX_GROWTH_SIZE = 1_000_000_000;
/** The most sizes one `--growth` list may name. */
export const MAX_GROWTH_SIZES = 10;

/**
 * Parses `--growth 0,10000000,30000000`: whole numbers from 0 to MAX_GROWTH_SIZE, plain digits
 * only, at most MAX_GROWTH_SIZES of them, no repeats; sorted ascending. Throws ConfigError.
 */
export function parseGrowthSizes(name: string, text: string): number[] {
  const parts = text.split(",").map((s) => s.trim());
  if (parts.length > MAX_GROWTH_SIZES) {
    throw new ConfigError(`${name} takes at most ${MAX_GROWTH_SIZES} sizes, got ${parts.length}`);
  }
  const sizes = parts.map((part) => {
    const n = plainWhole(part, 0, MAX_GROWTH_SIZE);
    if (Number.isNaN(n)) {
      throw new ConfigError(
        `${name} takes stored sizes as whole numbers from 0 to ${MAX_GROWTH_SIZE} separated by ` +
          `commas (e.g. 0,10000000), got ${quoted(text)}`,
      );
    }
    return n;
  });
  if (new Set(sizes).size !== sizes.length) {
    throw new ConfigError(`${name} names a size twice: ${quoted(text)}`);
  }
  return sizes.sort((a, b) => a - b);
}

const FIRST = ["James", "Mary", "Robert", "Patricia", "John", "Jennifer", "Michael", "Linda"];
const LAST = ["Smith", "Johnson", "Williams", "Brown", "Jones", "Garcia", "Miller", "Davis", "Lee"];
const JOBS = ["Engineer", "Teacher", "Nurse", "Accountant", "Designer", "Analyst", "Chef"];
const STREETS = ["Main St", "Oak Ave", "Maple Dr", "Cedar Ln", "Pine St", "Elm St", "Park Ave"];

const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** `bytes[from, from + 32)` as PostgreSQL's bytea hex input, escaped for COPY's text format. */
function byteaHex(bytes: Uint8Array, from: number): string {
  let out = "\\\\x";
  for (let i = from; i < from + 32; i++) out += HEX[bytes[i]!];
  return out;
}

/** Fills `bytes` with random bytes (crypto.getRandomValues fills at most 64 KiB at a time). */
function fillRandom(bytes: Uint8Array): Uint8Array {
  for (let i = 0; i < bytes.length; i += 65_536) {
    crypto.getRandomValues(bytes.subarray(i, i + 65_536));
  }
  return bytes;
}

/** Streams lines made by `line(i)` for i in [0, count) into a COPY, with back-pressure. */
async function copyLines(
  statement: ReturnType<Sql>,
  count: number,
  line: (i: number) => string,
  onChunk: (done: number) => void = () => {},
): Promise<void> {
  const writable = await statement.writable();
  const CHUNK = 5_000;
  try {
    for (let i = 0; i < count; i += CHUNK) {
      let text = "";
      for (let j = i; j < Math.min(count, i + CHUNK); j++) text += line(j);
      if (!writable.write(text)) await once(writable, "drain");
      onChunk(Math.min(count, i + CHUNK));
    }
  } catch (error) {
    // Fail the COPY now (PostgreSQL rolls it back) rather than leave it waiting for lines.
    writable.destroy(error as Error);
    await finished(writable).catch(() => {});
    throw error;
  }
  writable.end();
  await finished(writable);
}

/** How long each step of a history fill took, in ms. */
export interface HistoryFill {
  customers: number;
  copyMs: number;
  rebuildMs: number;
}

/**
 * Fills a migrated, empty database with `size` sales of history: the generator's categories,
 * products and card companies, every city, size/4 customers (picked skewed, as the generator
 * does, so some buy often), sales spread evenly over the `days` before now with random UUIDs
 * (like the producer's) on `partitions` partitions; then rebuilds every aggregate from `sales` with
 * the function `deno task rebuild` runs.
 */
export async function fillHistory(
  url: string,
  size: number,
  options: { seed: number; partitions: number; days?: number; progress: (line: string) => void },
): Promise<HistoryFill> {
  const rnd = seededRandom(options.seed);
  const sql = connect(url, { max: 1 });
  try {
    // Dimensions: the generator's catalogue, every city, the card companies.
    const categories = new Map<string, number>();
    for (
      const r of await sql`insert into categories (name)
        select unnest(${textArray(Object.keys(CATALOGUE))}::text[]) returning category_id, name`
    ) categories.set(r.name, r.category_id);
    const products: { id: number; categoryId: number; base: number }[] = [];
    for (const [category, items] of Object.entries(CATALOGUE)) {
      const categoryId = categories.get(category)!;
      for (const [name, base] of items) {
        const [r] = await sql`insert into products (category_id, name)
          values (${categoryId}, ${name}) returning product_id`;
        products.push({ id: r!.product_id, categoryId, base });
      }
    }
    const places = Object.entries(US_CITIES).flatMap(([state, cities]) =>
      cities.map((city) => ({ state, city, id: 0 }))
    );
    const cityIds = new Map<string, number>();
    for (
      const r of await sql`insert into cities (state, name)
        select * from unnest(${textArray(places.map((p) => p.state))}::text[],
          ${textArray(places.map((p) => p.city))}::text[])
        returning city_id, state, name`
    ) cityIds.set(`${r.state}\u0000${r.name}`, r.city_id);
    for (const p of places) p.id = cityIds.get(`${p.state}\u0000${p.city}`)!;
    const cards: { id: number; name: string }[] = [];
    for (const { value: [name] } of CARDS) {
      const [r] = await sql`insert into card_companies (name) values (${name}) returning card_id`;
      cards.push({ id: r!.card_id, name });
    }
    const cardWeights = CARDS.map((c) => c.weight);
    const cardTotal = cardWeights.reduce((a, b) => a + b, 0);
    const pickCard = () => {
      let x = rnd() * cardTotal;
      for (let i = 0; i < cardWeights.length; i++) if ((x -= cardWeights[i]!) < 0) return i;
      return cardWeights.length - 1;
    };

    // Customers: compact columns in memory, the text made when copied.
    const count = Math.max(1, Math.ceil(size / 4));
    const place = new Uint32Array(count), card = new Uint8Array(count);
    const last4 = new Uint16Array(count), expMonth = new Uint8Array(count);
    const expYear = new Uint8Array(count), zip = new Uint32Array(count);
    for (let i = 0; i < count; i++) {
      place[i] = Math.floor(rnd() * places.length);
      card[i] = pickCard();
      last4[i] = Math.floor(rnd() * 10_000);
      expMonth[i] = 1 + Math.floor(rnd() * 12);
      expYear[i] = 27 + Math.floor(rnd() * 6);
      zip[i] = 10_000 + Math.floor(rnd() * 89_999);
    }
    const fingerprints = fillRandom(new Uint8Array(count * 32));
    const street = (i: number) => `${1 + (i * 7919) % 9899} ${STREETS[i % STREETS.length]}`;
    const first = (i: number) => FIRST[i % FIRST.length]!;
    const last = (i: number) => LAST[(i * 31) % LAST.length]!;
    const started = performance.now();
    await copyLines(
      sql`copy customers (email, first_name, last_name, job_title, street, city, state, zipcode)
        from stdin`,
      count,
      (i) => {
        const p = places[place[i]!]!;
        return `${first(i).toLowerCase()}.${last(i).toLowerCase()}.h${i}@example.com\t${
          first(i)
        }\t${last(i)}\t${JOBS[i % JOBS.length]}\t${street(i)}\t${p.city}\t${p.state}\t${zip[i]}\n`;
      },
    );
    options.progress(`history: ${count} customers copied`);
    const [ids] = await sql`select min(customer_id)::int as lo, max(customer_id)::int as hi,
      count(*)::int as n from customers`;
    if (ids!.n !== count || ids!.hi - ids!.lo + 1 !== count) {
      throw new Error(`history: ${ids!.n} customers with ids ${ids!.lo}-${ids!.hi}, not ${count}`);
    }
    const firstCustomer = ids!.lo as number;

    // Sales: evenly over the `days` before now, each partition's offsets in time order.
    const spanMs = (options.days ?? 365) * 86_400_000;
    const end = Date.now() - 60_000;
    const startAt = end - spanMs;
    const hashes = new Uint8Array(32 * 5_000);
    // A schema whose sale ids (and content hashes) live in a table of their own beside a `sales`
    // partitioned by month: the months get their partitions first, the ids are filled after.
    const [{ separateIds }] = await sql`
      select to_regclass('public.sale_ids') is not null as "separateIds"` as unknown as [
      { separateIds: boolean },
    ];
    if (separateIds) {
      await sql`
        select sales_partition_ensure(m) from generate_series(
          date_trunc('month', ${new Date(startAt)}::timestamptz, 'UTC'),
          ${new Date(end)}::timestamptz, interval '1 month') m`;
    }
    const columns = [
      "sale_id",
      "customer_id",
      "product_id",
      "category_id",
      "city_id",
      "card_id",
      "sale_price",
      "cost_price",
      "card_company",
      "card_last4",
      "card_fingerprint",
      "card_exp_month",
      "card_exp_year",
      "street",
      "city",
      "state",
      "zipcode",
      "sold_at",
      "ingested_at",
      "source_partition",
      "source_offset",
      ...(separateIds ? [] : ["content_hash"]),
    ];
    let lastLog = performance.now();
    await copyLines(
      sql`copy sales (${sql(columns)}) from stdin`,
      size,
      (k) => {
        if (k % 5_000 === 0) fillRandom(hashes);
        const c = Math.floor(count * rnd() ** 2);
        const p = places[place[c]!]!;
        const product = products[Math.floor(rnd() * products.length)]!;
        const priceCents = Math.round(product.base * 100 * (0.8 + rnd() * 0.45));
        const costCents = Math.round(priceCents * (0.45 + rnd() * 0.45));
        const at = new Date(startAt + Math.floor((k + rnd()) * spanMs / size)).toISOString();
        const company = cards[card[c]!]!;
        return `${crypto.randomUUID()}\t${
          firstCustomer + c
        }\t${product.id}\t${product.categoryId}\t${p.id}\t${company.id}\t${cents(priceCents)}\t${
          cents(costCents)
        }\t${company.name}\t${String(last4[c]).padStart(4, "0")}\t${
          byteaHex(fingerprints, c * 32)
        }\t${expMonth[c]}\t${2000 + expYear[c]!}\t${street(c)}\t${p.city}\t${p.state}\t${
          zip[c]
        }\t${at}\t${at}\t${k % options.partitions}\t${Math.floor(k / options.partitions)}${
          separateIds ? "" : `\t${byteaHex(hashes, (k % 5_000) * 32)}`
        }\n`;
      },
      (done) => {
        if (performance.now() - lastLog < 10_000) return;
        lastLog = performance.now();
        options.progress(`history: ${done}/${size} sales copied`);
      },
    );
    if (separateIds) {
      await sql`
        insert into sale_ids (sale_key, sale_id, sold_at, content_hash)
        select sale_key(sale_id), sale_id, sold_at, sha256(convert_to(sale_id, 'UTF8'))
        from sales order by 1`;
    }
    const copyMs = performance.now() - started;
    options.progress(`history: ${size} sales copied; rebuilding the aggregates`);
    const rebuildStarted = performance.now();
    // A session setting for the rebuild's GROUP BYs over the whole history (sorts in memory).
    await sql`set work_mem = '256MB'`;
    await rebuildAggregates(sql);
    return { customers: count, copyMs, rebuildMs: performance.now() - rebuildStarted };
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/** Whole cents as a decimal amount for COPY ("12345" -> "123.45"). */
function cents(n: number): string {
  return `${Math.floor(n / 100)}.${String(n % 100).padStart(2, "0")}`;
}

/** Bytes on disk of the database's tables with their indexes and TOAST, the biggest first. */
export async function diskBytes(
  sql: Sql,
): Promise<{ total: number; byTable: Record<string, number> }> {
  const rows = await sql`
    select c.relname as name, pg_total_relation_size(c.oid)::bigint::text as bytes
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = 'public' and c.relkind = 'r'
    order by pg_total_relation_size(c.oid) desc`;
  const byTable: Record<string, number> = {};
  let total = 0;
  for (const r of rows) {
    byTable[r.name] = Number(r.bytes);
    total += Number(r.bytes);
  }
  return { total, byTable };
}
