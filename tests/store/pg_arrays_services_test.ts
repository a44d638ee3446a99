import assert from "node:assert/strict";
import { connect, maintenanceUrl } from "../../lib/infra/db.ts";
import { intArray, textArray } from "../../lib/store/pg_arrays.ts";
import { config } from "../support/services.ts";

Deno.test("array literals reach PostgreSQL as exactly the values given, whatever their characters", async () => {
  const sql = connect(maintenanceUrl(config.databaseUrl), { max: 1 });
  try {
    const texts = [
      "plain",
      'O"Brien',
      "back\\slash",
      '\\"',
      "{braces}, commas",
      "NULL",
      "",
      " spaces ",
      "tab\there",
      "line\nbreak",
      "ünïcödé ✓ 😀",
      "<script>alert(1)</script>",
      "'; drop table sales; --",
    ];
    const [t] = await sql`select ${textArray(texts)}::text[] as got`;
    assert.deepEqual(t!.got, texts);
    const ints = [0, 1, -7, 2147483647, "9007199254740993"];
    const [i] = await sql`select ${intArray(ints)}::bigint[]::text[] as got`;
    assert.deepEqual(i!.got, ints.map(String));
    const [e] = await sql`select cardinality(${textArray([])}::text[]) as n`;
    assert.equal(e!.n, 0);
  } finally {
    await sql.end();
  }
});
