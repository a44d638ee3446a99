import assert from "node:assert/strict";
import { loadConfig } from "../../lib/infra/config.ts";
import { connectLogin } from "../../lib/infra/db.ts";
import { LOCAL_DIR, ProvisionError } from "../../lib/infra/process.ts";
import { clusterDir, postgresDown, postgresUp } from "../../lib/provision/postgres_cluster.ts";
import {
  localDatabasePasswordFile,
  securePostgresUp,
} from "../../lib/provision/postgres_security.ts";
import { LOCAL_CA_FILE } from "../../lib/provision/tls.ts";
import { freePort } from "../support/fixtures.ts";

const CLUSTER_TEST = { sanitizeOps: false, sanitizeResources: false };

/** Stops the local cluster on the URL's port and removes its folder and passwords. */
async function removeCluster(url: string) {
  const port = Number(new URL(url).port);
  await postgresDown(url, () => {});
  await Deno.remove(clusterDir(port).dir, { recursive: true }).catch(() => {});
  await Deno.remove(`${LOCAL_DIR}secrets/postgres-${port}`, { recursive: true }).catch(() => {});
}

Deno.test({
  name:
    "securePostgresUp() starts a cluster where every role logs in with its own password over TLS only",
  ...CLUSTER_TEST,
  fn: async () => {
    const port = freePort();
    const url = `postgres://postgres@127.0.0.1:${port}/sales_secure_cluster`;
    const said: string[] = [];
    try {
      const logins = await securePostgresUp(
        loadConfig({ DATABASE_URL: url }).database,
        (line) => said.push(line),
      );
      assert.deepEqual(
        [logins.owner, logins.consumer, logins.dashboard].map((l) => [l.passwordFile, l.caFile]),
        ["postgres", "sales_writer", "sales_reader"].map((user) => [
          localDatabasePasswordFile(port, user),
          LOCAL_CA_FILE,
        ]),
      );
      for (const login of [logins.owner, logins.consumer, logins.dashboard]) {
        assert.equal((await Deno.stat(login.passwordFile!)).mode! & 0o777, 0o600);
      }
      assert.equal(
        said.at(-1),
        "PostgreSQL roles sales_writer and sales_reader log in with their passwords",
      );

      const whoAmI = async (login: typeof logins.owner) => {
        const sql = connectLogin(login, { max: 1 });
        try {
          const [r] = await sql`
            select current_user as role, ssl from pg_stat_ssl where pid = pg_backend_pid()`;
          return { ...r };
        } finally {
          await sql.end();
        }
      };
      assert.deepEqual(await whoAmI(logins.consumer), { role: "sales_writer", ssl: true });
      assert.deepEqual(await whoAmI(logins.dashboard), { role: "sales_reader", ssl: true });
      const owner = connectLogin(logins.owner, { max: 1 });
      try {
        const roles = await owner`
          select rolname, rolpassword like 'SCRAM-SHA-256$4096:%' as scram from pg_authid
          where rolname in ('postgres', 'sales_writer', 'sales_reader') order by rolname`;
        assert.deepEqual(roles.map((r) => ({ ...r })), [
          { rolname: "postgres", scram: true },
          { rolname: "sales_reader", scram: true },
          { rolname: "sales_writer", scram: true },
        ]);
      } finally {
        await owner.end();
      }

      // A wrong password, and the right one without TLS, are refused.
      const wrong = await Deno.makeTempFile();
      await Deno.writeTextFile(wrong, "not-the-password");
      const refused = async (login: typeof logins.owner) => {
        const sql = connectLogin(login, { max: 1, connect_timeout: 5 });
        try {
          await sql`select 1`;
        } catch (error) {
          return (error as { code?: string }).code;
        } finally {
          await sql.end();
        }
        return "accepted";
      };
      assert.equal(await refused({ ...logins.consumer, passwordFile: wrong }), "28P01");
      assert.equal(await refused({ ...logins.consumer, caFile: undefined }), "28000");
      await Deno.remove(wrong);

      // Again: the same passwords are kept, and still let the roles in.
      const before = await Deno.readTextFile(logins.consumer.passwordFile!);
      const again = await securePostgresUp(loadConfig({ DATABASE_URL: url }).database, () => {});
      assert.equal(await Deno.readTextFile(again.consumer.passwordFile!), before);
      assert.deepEqual(await whoAmI(again.consumer), { role: "sales_writer", ssl: true });
    } finally {
      await removeCluster(url);
    }
  },
});

Deno.test({
  name: "securePostgresUp() refuses a local cluster made without --secure, in one sentence",
  ...CLUSTER_TEST,
  fn: async () => {
    const port = freePort();
    const url = `postgres://postgres@127.0.0.1:${port}/sales_trust_cluster`;
    try {
      await postgresUp(loadConfig({ DATABASE_URL: url }).database.owner, () => {});
      await assert.rejects(
        securePostgresUp(loadConfig({ DATABASE_URL: url }).database, () => {}),
        (error: Error) =>
          error instanceof ProvisionError &&
          error.message ===
            `${
                clusterDir(port).dir
              } holds a cluster made without --secure (trust authentication): ` +
              `stop it with \`deno task down --database-url ${url}\` and delete the folder, or use another port`,
      );
    } finally {
      await removeCluster(url);
    }
  },
});
