import assert from "node:assert/strict";
import { decode, MAX_MESSAGE_BYTES, REJECTION_CODES, validate } from "../../lib/core/decode.ts";
import { maskCardNumbers } from "../../lib/core/redact.ts";

const good = {
  sale_id: "s-1",
  first_name: "Ada",
  last_name: "Lovelace",
  email: "ada@example.com",
  job_title: "Analyst",
  credit_card_company: "Visa",
  credit_card_number: "4111 1111 1111 1111",
  credit_card_expiration_date: "07/29",
  category: "Books",
  product_name: "Notebook",
  sale_price: 19.99,
  cost_price: "7.5",
  street: "1 Main St",
  city: "Springfield",
  state: "District of Columbia",
  zipcode: 2134,
};

const bytes = (value: unknown) =>
  new TextEncoder().encode(typeof value === "string" ? value : JSON.stringify(value));

Deno.test("decode() turns a valid record into a normalised sale with exact cents", () => {
  const result = decode(bytes(good));
  assert.ok(result.ok);
  assert.equal(result.sale.saleId, "s-1");
  assert.equal(result.sale.salePriceCents, 1999);
  assert.equal(result.sale.costPriceCents, 750);
  assert.equal(result.sale.cardNumber, "4111111111111111");
  assert.equal(result.sale.state, "DC");
  assert.equal(result.sale.zipcode, "02134");
  assert.deepEqual([result.sale.cardExpMonth, result.sale.cardExpYear], [7, 2029]);
});

Deno.test("decode() keeps SQL- and HTML-looking text verbatim", () => {
  const name = `<script>alert(1)</script>'); drop table sales; --`;
  const result = decode(bytes({ ...good, first_name: name }));
  assert.ok(result.ok);
  assert.equal(result.sale.firstName, name);
});

Deno.test("decode() accepts a numeric sale_id and turns it into text", () => {
  const result = decode(bytes({ ...good, sale_id: 123 }));
  assert.ok(result.ok);
  assert.equal(result.sale.saleId, "123");
});

const BAD: [string, Uint8Array | null, string, RegExp][] = [
  ["no value", null, "empty", /no value/],
  ["not JSON", bytes("{nope"), "not_json", /not JSON/],
  ["truncated JSON", bytes(JSON.stringify(good).slice(0, 40)), "not_json", /not JSON/],
  ["an array", bytes([good]), "not_object", /array/],
  ["null", bytes("null"), "not_object", /null/],
  ["a number", bytes("42"), "not_object", /number/],
  ["invalid UTF-8", new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), "not_utf8", /UTF-8/],
  ["oversized", bytes({ ...good, street: "x".repeat(MAX_MESSAGE_BYTES) }), "oversized", /limit/],
  ["a missing field", bytes({ ...good, email: undefined }), "invalid_field", /email: missing/],
  ["a wrong type", bytes({ ...good, first_name: 7 }), "invalid_field", /first_name/],
  ["a negative price", bytes({ ...good, sale_price: -1 }), "invalid_field", /sale_price: negative/],
  [
    "a NaN price",
    bytes(JSON.stringify(good).replace("19.99", '"NaN"')),
    "invalid_field",
    /sale_price/,
  ],
  ["an overflowing price", bytes({ ...good, cost_price: 1e13 }), "invalid_field", /too large/],
  [
    "a price with three decimals",
    bytes({ ...good, sale_price: 1.234 }),
    "invalid_field",
    /two decimals/,
  ],
  ["a huge string", bytes({ ...good, city: "c".repeat(5000) }), "invalid_field", /city: longer/],
  ["a NUL byte", bytes({ ...good, last_name: "a\u0000b" }), "invalid_field", /NUL/],
  ["a bad email", bytes({ ...good, email: "not-an-email" }), "invalid_field", /email/],
  ["a bad state", bytes({ ...good, state: "ZZ" }), "invalid_field", /state: not a US state/],
  ["a bad zip", bytes({ ...good, zipcode: "1234X" }), "invalid_field", /zipcode/],
  [
    "a bad expiry",
    bytes({ ...good, credit_card_expiration_date: "13/29" }),
    "invalid_field",
    /expiry/,
  ],
  [
    "a bad card number",
    bytes({ ...good, credit_card_number: "4111-abc" }),
    "invalid_field",
    /credit_card_number/,
  ],
  ["an empty name", bytes({ ...good, first_name: "  " }), "invalid_field", /first_name: empty/],
];

for (const [what, value, code, message] of BAD) {
  Deno.test(`decode() rejects ${what} with code ${code}`, () => {
    const result = decode(value);
    assert.equal(result.ok, false);
    if (result.ok) return;
    assert.equal(result.code, code);
    assert.match(result.message, message);
  });
}

Deno.test("every rejection code decode() declares is given for some message, and no other", () => {
  const given = new Set(BAD.map(([, value]) => {
    const result = decode(value);
    return result.ok ? "ok" : result.code;
  }));
  assert.deepEqual([...given].sort(), [...REJECTION_CODES].sort());
});

Deno.test("a rejection message never holds a full card number", () => {
  const result = validate({
    ...good,
    credit_card_number: "4111111111111111",
    email: "4111111111111111",
  });
  assert.equal(result.ok, false);
  if (!result.ok) assert.doesNotMatch(result.message, /4111111111111111/);
  assert.equal(maskCardNumbers("card 4111 1111 1111 1234 ok"), "card ************1234 ok");
});
