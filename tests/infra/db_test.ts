import assert from "node:assert/strict";
import { loadConfig } from "../../lib/infra/config.ts";
import {
  databaseError,
  DatabaseRefusedError,
  DatabaseUnavailableError,
} from "../../lib/infra/db.ts";
import { PASSWORD } from "../support/secret_files.ts";

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

Deno.test("PostgreSQL's refusals are one sentence naming the setting, in the right class", () => {
  const config = loadConfig({ DATABASE_URL: "postgres://postgres@db.example:5432/sales" });
  const consumer = config.database.consumer;
  const pg = (code: string, message: string) => Object.assign(new Error(message), { code });
  const cases: [Error, RegExp, typeof DatabaseRefusedError | typeof DatabaseUnavailableError][] = [
    [
      pg("28P01", 'password authentication failed for user "sales_writer"'),
      /^PostgreSQL refused the password of user "sales_writer" at db.example:5432: it needs one; set CONSUMER_DATABASE_PASSWORD_FILE/,
      DatabaseRefusedError,
    ],
    [
      pg(
        "28000",
        'no pg_hba.conf entry for host "1.2.3.4", user "sales_writer", database "sales", no encryption',
      ),
      /accepts only TLS connections: set DATABASE_CA_FILE/,
      DatabaseRefusedError,
    ],
    [
      pg("3D000", 'database "sales" does not exist'),
      /has no database "sales": run `deno task up` or fix CONSUMER_DATABASE_URL/,
      DatabaseRefusedError,
    ],
    [
      pg("42501", 'permission denied for database "sales"'),
      /^PostgreSQL user "sales_writer" at db.example:5432: permission denied for database "sales"; fix CONSUMER_DATABASE_URL/,
      DatabaseRefusedError,
    ],
    [
      pg("SELF_SIGNED_CERT_IN_CHAIN", "self-signed certificate in certificate chain"),
      /TLS certificate at db.example:5432 is not trusted .*set DATABASE_CA_FILE/,
      DatabaseRefusedError,
    ],
    [
      pg("ERR_TLS_CERT_ALTNAME_INVALID", "Hostname/IP does not match"),
      /does not name db.example: use a host name it holds in CONSUMER_DATABASE_URL/,
      DatabaseRefusedError,
    ],
    [
      pg("ECONNREFUSED", "connect ECONNREFUSED 10.0.0.1:5432"),
      /^Cannot reach PostgreSQL at db.example:5432 .*deno task up/,
      DatabaseUnavailableError,
    ],
  ];
  for (const [error, pattern, kind] of cases) {
    const explained = databaseError(error, consumer);
    assert.ok(explained instanceof kind, `${error.message}: ${explained.name}`);
    assert.match(explained.message, pattern);
  }
  const withFile = loadConfig({ CONSUMER_DATABASE_PASSWORD_FILE: PASSWORD }).database.consumer;
  assert.match(
    databaseError(pg("28P01", "password authentication failed"), withFile).message,
    /: fix CONSUMER_DATABASE_PASSWORD_FILE$/,
  );
});
