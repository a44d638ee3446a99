import assert from "node:assert/strict";
import { validate } from "../../lib/core/decode.ts";
import { US_CITIES } from "../../lib/core/us_cities.ts";
import { generateSales } from "../../lib/produce/generate.ts";

Deno.test("generateSales() gives the same records for the same seed, and others for another", () => {
  const a = [...generateSales(200, 3)];
  assert.equal(a.length, 200);
  assert.deepEqual([...generateSales(200, 3)], a);
  const b = [...generateSales(200, 4)];
  assert.equal(b.filter((r, i) => r.sale_id === a[i]!.sale_id).length, 0);
  assert.deepEqual([...generateSales(0, 3)], []);
});

Deno.test("every generated sale passes decode's rules: a US city of its state, a cost below the price, whole cents", () => {
  const records = [...generateSales(3000, 9)];
  assert.equal(new Set(records.map((r) => r.sale_id)).size, 3000, "sale ids are unique");
  for (const r of records) {
    const checked = validate(r);
    assert.ok(checked.ok, `${r.sale_id}: ${checked.ok ? "" : checked.message}`);
    const price = Number(r.sale_price), cost = Number(r.cost_price);
    for (const money of [price, cost]) assert.equal(Math.round(money * 100) / 100, money);
    assert.ok(cost > 0 && cost < price, `${r.sale_id}: cost ${cost}, price ${price}`);
    assert.ok(US_CITIES[String(r.state)]?.includes(String(r.city)), `${r.city}, ${r.state}`);
  }
});

Deno.test("customers buy again: about a quarter as many as sales, each always with the same name, card and address", () => {
  const records = [...generateSales(4000, 10)];
  const byEmail = new Map<string, string>();
  const fields = [
    "first_name",
    "last_name",
    "job_title",
    "credit_card_company",
    "credit_card_number",
    "credit_card_expiration_date",
    "street",
    "city",
    "state",
    "zipcode",
  ] as const;
  for (const r of records) {
    const person = JSON.stringify(fields.map((f) => r[f]));
    const seen = byEmail.get(String(r.email));
    if (seen) assert.equal(person, seen, String(r.email));
    else byEmail.set(String(r.email), person);
  }
  // 1,000 customers are drawn; a skewed pick leaves some without a sale.
  assert.ok(byEmail.size <= 1000 && byEmail.size > 500, `${byEmail.size} customers`);
  const perCustomer = new Map<string, number>();
  for (const r of records) {
    perCustomer.set(String(r.email), (perCustomer.get(String(r.email)) ?? 0) + 1);
  }
  const most = Math.max(...perCustomer.values());
  assert.ok(most >= 10, `the busiest customer bought ${most} times`);
});

Deno.test("the card companies are the five the generator knows, Visa the most common and JCB the least", () => {
  const records = [...generateSales(8000, 11)];
  const customers = new Map(records.map((r) => [r.email, String(r.credit_card_company)]));
  const count = (company: string) => [...customers.values()].filter((c) => c === company).length;
  const companies = ["Visa", "Mastercard", "American Express", "Discover", "JCB"];
  assert.deepEqual(new Set(customers.values()), new Set(companies));
  const counts = companies.map(count);
  assert.deepEqual([...counts].sort((x, y) => y - x), counts, `${companies} ${counts}`);
});
