import assert from "node:assert/strict";
import { loadConfig } from "../../lib/infra/config.ts";
import { connect } from "../../lib/infra/db.ts";
import { ProvisionError } from "../../lib/infra/process.ts";
import { clusterDir, postgresDown, postgresUp } from "../../lib/provision/postgres_cluster.ts";
import { freePort } from "../support/fixtures.ts";

Deno.test({
  name:
    "postgresUp() starts a local cluster of its own on a port where none answers, creates and migrates the database; postgresDown() stops it",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const port = freePort();
    const url = `postgres://postgres@127.0.0.1:${port}/sales_cluster_test`;
    const owner = loadConfig({ DATABASE_URL: url }).database.owner;
    const said: string[] = [];
    const say = (line: string) => void said.push(line);
    try {
      await postgresUp(owner, say);
      const { data } = clusterDir(port);
      assert.equal(said[0], `Starting a local PostgreSQL on port ${port} (data ${data}) ...`);
      assert.match(
        said.at(-1)!,
        new RegExp(
          `^PostgreSQL answers at 127\\.0\\.0\\.1:${port}; database sales_cluster_test ready \\(applied 0001_init\\.sql, .+\\)$`,
        ),
      );
      const sql = connect(url, { max: 1 });
      try {
        const [t] = await sql`select sales_count::int from sales_totals`;
        assert.equal(t!.sales_count, 0, "migrated");
        const [shown] = await sql`show port`;
        assert.equal(shown!.port, String(port));
      } finally {
        await sql.end();
      }
      // Once it answers, nothing is started and nothing applied again.
      said.length = 0;
      await postgresUp(owner, say);
      assert.deepEqual(said, [
        `PostgreSQL answers at 127.0.0.1:${port}; database sales_cluster_test ready`,
      ]);
      said.length = 0;
      await postgresDown(url, say);
      await postgresDown(url, say);
      assert.deepEqual(said, [
        "PostgreSQL (local cluster) stopped",
        "PostgreSQL: no local cluster of this project is running",
      ]);
      const stopped = connect(url, { max: 1, connect_timeout: 2 });
      await assert.rejects(stopped`select 1`, { code: "ECONNREFUSED" });
      await stopped.end();
    } finally {
      await postgresDown(url, () => {});
      await Deno.remove(clusterDir(port).dir, { recursive: true }).catch(() => {});
    }
  },
});

Deno.test("postgresUp() starts nothing for a server on another machine", async () => {
  const owner = loadConfig({ DATABASE_URL: "postgres://postgres@db.invalid:5432/sales" }).database
    .owner;
  const said: string[] = [];
  await assert.rejects(
    postgresUp(owner, (line) => said.push(line)),
    (error: Error) =>
      error instanceof ProvisionError &&
      /; it is not on this machine, so none is started$/.test(error.message),
  );
  assert.deepEqual(said, []);
});
