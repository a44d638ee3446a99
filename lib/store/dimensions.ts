/**
 * The ids of a batch's categories, products, customers, cities and card companies. Dimension rows
 * are never changed or deleted once created, so their ids are kept in memory per database client:
 * a batch whose keys are all known touches no dimension table; new keys are inserted (or found)
 * in a short transaction of their own, which also counts the new categories, products and
 * customers on the partition's totals row.
 */
import type { Sale } from "../core/sale.ts";
import type postgres from "postgres";
import type { Sql } from "../infra/db.ts";
import { intArray, textArray } from "./pg_arrays.ts";

/** The dimension ids of one sale. */
export interface SaleIds {
  categoryId: number;
  productId: number;
  customerId: number;
  cityId: number;
  cardId: number;
}

/** Customers remembered per client at most (about 100 bytes each); the cache starts over beyond. */
const MAX_CUSTOMERS = 100_000;

/** Known ids by natural key. */
interface Known {
  categories: Map<string, number>;
  products: Map<string, number>;
  customers: Map<string, number>;
  cities: Map<string, number>;
  cards: Map<string, number>;
}

const known = new WeakMap<Sql, Known>();

function emptyKnown(): Known {
  return {
    categories: new Map(),
    products: new Map(),
    customers: new Map(),
    cities: new Map(),
    cards: new Map(),
  };
}

function knownFor(sql: Sql): Known {
  let k = known.get(sql);
  if (!k) known.set(sql, k = emptyKnown());
  return k;
}

const productKey = (s: Sale) => `${s.category}\u0000${s.productName}`;
const cityKey = (s: Sale) => `${s.state}\u0000${s.city}`;

/** The ids of every sale's dimensions, creating the missing rows first (sales in input order). */
export async function dimensionIds(
  sql: Sql,
  partition: number,
  sales: Sale[],
): Promise<SaleIds[]> {
  // This batch's ids, taken from the shared memory now: other batches of the same client may
  // add to or clear it while this one waits for PostgreSQL.
  const shared = knownFor(sql);
  const k = emptyKnown();
  const missing = {
    categories: new Set<string>(),
    products: new Map<string, Sale>(),
    customers: new Map<string, Sale>(),
    cities: new Map<string, Sale>(),
    cards: new Set<string>(),
  };
  const take = (from: Map<string, number>, into: Map<string, number>, key: string) => {
    const id = from.get(key);
    if (id === undefined) return false;
    into.set(key, id);
    return true;
  };
  for (const s of sales) {
    if (!take(shared.categories, k.categories, s.category)) missing.categories.add(s.category);
    if (!take(shared.products, k.products, productKey(s))) missing.products.set(productKey(s), s);
    if (!take(shared.customers, k.customers, s.email)) missing.customers.set(s.email, s);
    if (!take(shared.cities, k.cities, cityKey(s))) missing.cities.set(cityKey(s), s);
    if (!take(shared.cards, k.cards, s.cardCompany)) missing.cards.add(s.cardCompany);
  }
  const anyMissing = missing.categories.size + missing.products.size + missing.customers.size +
      missing.cities.size + missing.cards.size > 0;
  if (anyMissing) {
    await createMissing(sql, partition, k, missing);
    // The customers remembered start over beyond the limit; they are looked up again when they
    // come back.
    if (shared.customers.size + missing.customers.size > MAX_CUSTOMERS) shared.customers.clear();
    for (const name of ["categories", "products", "customers", "cities", "cards"] as const) {
      for (const [key, id] of k[name]) shared[name].set(key, id);
    }
  }
  return sales.map((s) => ({
    categoryId: k.categories.get(s.category)!,
    productId: k.products.get(productKey(s))!,
    customerId: k.customers.get(s.email)!,
    cityId: k.cities.get(cityKey(s))!,
    cardId: k.cards.get(s.cardCompany)!,
  }));
}

/**
 * Inserts the missing dimension rows (in key order, so two writers never deadlock) and reads
 * every missing id, in one transaction; rows another writer created meanwhile are found by a
 * second read once its transaction committed.
 */
async function createMissing(
  sql: Sql,
  partition: number,
  k: Known,
  missing: {
    categories: Set<string>;
    products: Map<string, Sale>;
    customers: Map<string, Sale>;
    cities: Map<string, Sale>;
    cards: Set<string>;
  },
): Promise<void> {
  const sorted = <T>(m: Map<string, T>) => [...m].sort(([a], [b]) => (a < b ? -1 : 1));
  await sql.begin(async (tx) => {
    const t = tx as unknown as Sql;
    let newCustomers = 0;
    const newCategories = await nameIds(
      t,
      "categories",
      "category_id",
      missing.categories,
      k.categories,
    );

    const newProducts = await pairIds(
      t,
      PRODUCTS,
      sorted(missing.products).map(([key, s]) => ({
        key,
        first: k.categories.get(s.category)!,
        name: s.productName,
      })),
      k.products,
    );

    const customers = sorted(missing.customers).map(([, s]) => s);
    for (
      const r of await t`
      insert into customers (email, first_name, last_name, job_title, street, city, state, zipcode)
      select * from unnest(
        ${textArray(customers.map((c) => c.email))}::text[], ${
        textArray(customers.map((c) => c.firstName))
      }::text[],
        ${textArray(customers.map((c) => c.lastName))}::text[], ${
        textArray(customers.map((c) => c.jobTitle))
      }::text[],
        ${textArray(customers.map((c) => c.street))}::text[], ${
        textArray(customers.map((c) => c.city))
      }::text[],
        ${textArray(customers.map((c) => c.state))}::text[], ${
        textArray(customers.map((c) => c.zipcode))
      }::text[])
      order by 1
      on conflict (email) do nothing returning customer_id, email`
    ) {
      k.customers.set(r.email, r.customer_id);
      newCustomers++;
    }
    await found(
      customers.map((c) => c.email).filter((e) => !k.customers.has(e)),
      (emails) =>
        t`select customer_id as id, email as key from customers where email = any(${
          textArray(emails)
        }::text[])`,
      k.customers,
    );

    await pairIds(
      t,
      CITIES,
      sorted(missing.cities).map(([key, s]) => ({ key, first: s.state, name: s.city })),
      k.cities,
    );

    await nameIds(t, "card_companies", "card_id", missing.cards, k.cards);

    if (newCategories + newProducts + newCustomers > 0) {
      await t`
        insert into agg_totals as a (part, categories, products, customers)
        values (${partition}, ${newCategories}, ${newProducts}, ${newCustomers})
        on conflict (part) do update set categories = a.categories + excluded.categories,
          products = a.products + excluded.products, customers = a.customers + excluded.customers`;
    }
  });
}

/**
 * Inserts the missing names of a dimension keyed by name (categories, card companies), in order,
 * and reads every one's id into `into`, those another writer created included; returns how many
 * rows this call created.
 */
async function nameIds(
  t: Sql,
  table: "categories" | "card_companies",
  idColumn: "category_id" | "card_id",
  missing: Set<string>,
  into: Map<string, number>,
): Promise<number> {
  const names = [...missing].sort();
  let created = 0;
  for (
    const r of await t<{ id: number; name: string }[]>`
    insert into ${t(table)} (name) select unnest(${textArray(names)}::text[]) order by 1
    on conflict (name) do nothing returning ${t(idColumn)} as id, name`
  ) {
    into.set(r.name, r.id);
    created++;
  }
  await found(
    names.filter((name) => !into.has(name)),
    (lost) =>
      t`select ${t(idColumn)} as id, name as key from ${t(table)} where name = any(${
        textArray(lost)
      }::text[])`,
    into,
  );
  return created;
}

/** A dimension keyed by a pair of columns: a first one (of type F) and `name`. */
interface PairTable<F> {
  table: "products" | "cities";
  idColumn: "product_id" | "city_id";
  firstColumn: "category_id" | "state";
  /** The first column's values as one array parameter of its SQL type. */
  firsts: (t: Sql, values: F[]) => postgres.Fragment;
}

/** Products, keyed by their category's id and their name. */
const PRODUCTS: PairTable<number> = {
  table: "products",
  idColumn: "product_id",
  firstColumn: "category_id",
  firsts: (t, values) => t`${intArray(values)}::integer[]`,
};

/** Cities, keyed by their state and their name. */
const CITIES: PairTable<string> = {
  table: "cities",
  idColumn: "city_id",
  firstColumn: "state",
  firsts: (t, values) => t`${textArray(values)}::text[]`,
};

/**
 * Inserts the missing rows of a dimension keyed by a pair (products, cities), in the given order,
 * and reads every one's id into `into` under its cache key, those another writer created
 * included; returns how many rows this call created.
 */
async function pairIds<F extends number | string>(
  t: Sql,
  d: PairTable<F>,
  rows: { key: string; first: F; name: string }[],
  into: Map<string, number>,
): Promise<number> {
  // The natural key of a row (first column and name) to the key the cache uses.
  const keyOf = new Map(rows.map((r) => [`${r.first}\u0000${r.name}`, r.key]));
  const keep = (r: { id: number; first: F; name: string }) =>
    into.set(keyOf.get(`${r.first}\u0000${r.name}`)!, r.id);
  let created = 0;
  for (
    const r of await t<{ id: number; first: F; name: string }[]>`
    insert into ${t(d.table)} (${t(d.firstColumn)}, name)
    select * from unnest(${d.firsts(t, rows.map((r) => r.first))},
      ${textArray(rows.map((r) => r.name))}::text[]) order by 1, 2
    on conflict (${t(d.firstColumn)}, name) do nothing
    returning ${t(d.idColumn)} as id, ${t(d.firstColumn)} as first, name`
  ) {
    keep(r);
    created++;
  }
  const lost = rows.filter((r) => !into.has(r.key));
  if (lost.length > 0) {
    for (
      const r of await t<{ id: number; first: F; name: string }[]>`
      select d.${t(d.idColumn)} as id, d.${t(d.firstColumn)} as first, d.name
      from ${t(d.table)} d
      join unnest(${d.firsts(t, lost.map((r) => r.first))},
        ${textArray(lost.map((r) => r.name))}::text[]) as l(first, name)
        on d.${t(d.firstColumn)} = l.first and d.name = l.name`
    ) keep(r);
  }
  return created;
}

/** Reads the ids of keys that existed before (or were created meanwhile by another writer). */
async function found(
  keys: string[],
  read: (keys: string[]) => Promise<{ id: number; key: string }[]>,
  into: Map<string, number>,
): Promise<void> {
  if (keys.length === 0) return;
  for (const r of await read(keys)) into.set(r.key, r.id);
}
