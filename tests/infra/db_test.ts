import assert from "node:assert/strict";
import { loadConfig } from "../../lib/infra/config.ts";
import { databaseError, DatabaseRefusedError } from "../../lib/infra/db.ts";

Deno.test("a database the server refuses to create is named as a refusal, not as an unreachable server", () => {
  const owner = loadConfig({ DATABASE_URL: "postgres://owner@db.example:5432/sales" }).database
    .owner;
  const refused = Object.assign(new Error("permission denied to create database"), {
    code: "42501",
  });
  const explained = databaseError(refused, owner, 'create database "sales"');
  assert.ok(explained instanceof DatabaseRefusedError);
  assert.equal(
    explained.message,
    'PostgreSQL user "owner" at db.example:5432 could not create database "sales": ' +
      "permission denied to create database; fix DATABASE_URL or grant it",
  );
  const other = Object.assign(new Error("template1 is being accessed by other users"), {
    code: "55006",
  });
  assert.match(
    databaseError(other, owner, 'create database "sales"').message,
    /^PostgreSQL user "owner" at db.example:5432 could not create database "sales" \(55006: /,
  );
});
