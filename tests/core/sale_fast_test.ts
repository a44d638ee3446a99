import assert from "node:assert/strict";
import { parseSaleFast } from "../../lib/core/sale_fast.ts";
import { SaleRecordSchema } from "../../lib/core/sale.ts";
import { generateSales } from "../../lib/produce/generate.ts";

/** Values tried in every field: edge cases of each rule, and wrong types. */
const ODD_VALUES: unknown[] = [
  undefined,
  null,
  true,
  {},
  [],
  "",
  " ",
  "\t",
  "a\0b",
  "x".repeat(51),
  "x".repeat(65),
  "x".repeat(200),
  "x".repeat(201),
  "é".repeat(10),
  0,
  -0,
  -1,
  1.5,
  12.345,
  2 ** 53,
  NaN,
  Infinity,
  "12.34",
  " 12.34 ",
  "12.345",
  "1e3",
  "-5",
  "007",
  501,
  2134,
  123456,
  "1234",
  "02134",
  " 02134 ",
  "12345-678",
  "12345-6789",
  "ca",
  "CA",
  " California ",
  "Dc",
  "District of Columbia",
  "XX",
  "07/29",
  "7/2029",
  "13/29",
  "00/29",
  "2029-07",
  "2029-7",
  "07/1999",
  "4111 1111 1111 1111",
  "4111-1111-1111-1111",
  "4111111111111111",
  4111111111111111,
  "41111111111",
  "4111 1111 1111 1111 1111",
  "a b",
  "s-1",
  "s:1.x_y",
  "ada@example.com",
  "ada@example",
  "a..b@example.com",
  "ada@exa_mple.com",
  "Ada Lovelace",
  `${"a".repeat(250)}@x.io`,
];

/** What the schema makes of a record, as JSON text (key order included), or undefined. */
function bySchema(record: Record<string, unknown>): string | undefined {
  const result = SaleRecordSchema.safeParse(record);
  return result.success ? JSON.stringify(result.data) : undefined;
}

function byFastPath(record: Record<string, unknown>): string | undefined {
  const sale = parseSaleFast(record);
  return sale === undefined ? undefined : JSON.stringify(sale);
}

Deno.test("the fast path accepts every generated record and returns exactly what the schema returns", () => {
  for (const record of generateSales(3000, 11)) {
    const fast = byFastPath(record);
    assert.notEqual(fast, undefined, `fast path declined ${record.sale_id}`);
    assert.equal(fast, bySchema(record));
  }
});

Deno.test("the fast path never accepts what the schema rejects, field by field", () => {
  const [base] = [...generateSales(1, 5)];
  let accepted = 0, declined = 0;
  for (const field of Object.keys(base!)) {
    for (const value of ODD_VALUES) {
      const record: Record<string, unknown> = { ...base, [field]: value };
      if (value === undefined) delete record[field];
      const fast = byFastPath(record);
      const schema = bySchema(record);
      if (fast === undefined) declined++;
      else {
        accepted++;
        assert.equal(fast, schema, `${field} = ${JSON.stringify(value)}`);
      }
      if (schema === undefined) {
        assert.equal(fast, undefined, `${field} = ${JSON.stringify(value)}`);
      }
    }
  }
  // Both outcomes occur, so the comparison above ran on accepted records too.
  assert.ok(accepted > 100 && declined > 100, `accepted ${accepted}, declined ${declined}`);
});

Deno.test("extra fields are ignored by both, as the schema strips them", () => {
  const [base] = [...generateSales(1, 6)];
  const record = { ...base, note: "extra", credit_card_number: 4111111111111111 };
  assert.equal(byFastPath(record), bySchema(record));
  assert.notEqual(byFastPath(record), undefined);
});
