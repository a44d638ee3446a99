/**
 * (c) The original's way (sales.py): per message JSON.parse, then look up or insert the category,
 * the product and the customer, then insert the sale, each statement its own autocommit, on one
 * connection, in a simple schema of its own.
 */
import type { Sql } from "../../lib/infra/db.ts";

/** Tables like the original's, with plain indexes on the look-up columns (kinder than none). */
export async function createBaselineSchema(sql: Sql): Promise<void> {
  await sql`create table categories (id serial primary key, name text)`;
  await sql`create index on categories (name)`;
  await sql`create table products (id serial primary key, name text, category_id integer)`;
  await sql`create index on products (name)`;
  await sql`
    create table customers (id serial primary key, first_name text, last_name text, email text,
      job_title text, credit_card_company text, credit_card_number text,
      credit_card_expiration_date text, street text, city text, state text, zipcode text)`;
  await sql`create index on customers (email)`;
  await sql`
    create table sales (id serial primary key, sale_id text, customer_id integer,
      product_id integer, sale_price numeric, cost_price numeric, created_at timestamptz default now())`;
}

interface Message {
  sale_id: string;
  first_name: string;
  last_name: string;
  email: string;
  job_title: string;
  credit_card_company: string;
  credit_card_number: string;
  credit_card_expiration_date: string;
  category: string;
  product_name: string;
  sale_price: number;
  cost_price: number;
  street: string;
  city: string;
  state: string;
  zipcode: string;
}

/** Processes the message values one by one; returns the elapsed milliseconds. */
export async function runBaseline(sql: Sql, values: string[]): Promise<number> {
  const started = performance.now();
  for (const value of values) {
    const m = JSON.parse(value) as Message;
    let [category] = await sql`select id from categories where name = ${m.category}`;
    category ??= (await sql`insert into categories (name) values (${m.category}) returning id`)[0];
    let [product] = await sql`select id from products where name = ${m.product_name}`;
    product ??= (await sql`
      insert into products (name, category_id) values (${m.product_name}, ${category!.id})
      returning id`)[0];
    let [customer] = await sql`
      select id from customers
      where first_name = ${m.first_name} and last_name = ${m.last_name} and email = ${m.email}`;
    customer ??= (await sql`
      insert into customers (first_name, last_name, email, job_title, credit_card_company,
        credit_card_number, credit_card_expiration_date, street, city, state, zipcode)
      values (${m.first_name}, ${m.last_name}, ${m.email}, ${m.job_title},
        ${m.credit_card_company}, ${m.credit_card_number}, ${m.credit_card_expiration_date},
        ${m.street}, ${m.city}, ${m.state}, ${m.zipcode})
      returning id`)[0];
    await sql`
      insert into sales (sale_id, customer_id, product_id, sale_price, cost_price)
      values (${m.sale_id}, ${customer!.id}, ${product!.id}, ${m.sale_price}, ${m.cost_price})`;
  }
  const elapsed = performance.now() - started;
  const [{ n }] = await sql`select count(*)::int as n from sales` as unknown as [{ n: number }];
  if (n !== values.length) throw new Error(`baseline stored ${n} sales, expected ${values.length}`);
  return elapsed;
}
