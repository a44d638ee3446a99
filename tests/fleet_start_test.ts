import assert from "node:assert/strict";
import { connect, maintenanceUrl } from "../lib/infra/db.ts";
import { ConsumerProcess } from "./faults.ts";
import { config, createTestTopic, uniqueSuffix, waitFor } from "./helpers.ts";

const SQL_DIR = new URL("../sql/", import.meta.url);

/** The URL of a database that does not exist yet, and a function that drops it. */
function freshDatabase() {
  const name = `sales_test_${uniqueSuffix()}`;
  const u = new URL(config.databaseUrl);
  u.pathname = `/${name}`;
  return {
    name,
    url: u.toString(),
    async drop() {
      const admin = connect(maintenanceUrl(config.databaseUrl), { max: 1 });
      await admin`drop database if exists ${admin(name)} with (force)`;
      await admin.end({ timeout: 5 });
    },
  };
}

/** Waits until the consumer logs its ready line; fails with its output if it ends first. */
async function waitUntilConsuming(consumer: ConsumerProcess, timeoutMs = 90_000) {
  let ended: Deno.CommandStatus | undefined;
  consumer.status.then((s) => ended = s);
  await waitFor(
    () => {
      if (ended) {
        throw new Error(`consumer ${consumer.name} exited ${ended.code}:\n${consumer.output}`);
      }
      return Promise.resolve(/^consuming /m.test(consumer.output));
    },
    `consumer ${consumer.name} to start`,
    timeoutMs,
  );
}

Deno.test({
  name:
    "four consumers started at once on a new database all run, and each migration is applied once",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const db = freshDatabase();
    const topic = await createTestTopic(4);
    const group = `g-${uniqueSuffix()}`;
    const consumers = ["a", "b", "c", "d"].map((name) =>
      new ConsumerProcess(db.url, topic, group, name, false)
    );
    try {
      await Promise.all(consumers.map((c) => waitUntilConsuming(c)));
      const files = [...Deno.readDirSync(SQL_DIR)].filter((e) => /^\d{4}_.+\.sql$/.test(e.name))
        .map((e) => e.name).sort();
      const sql = connect(db.url, { max: 1 });
      try {
        const rows = await sql`
          select name, count(*)::int as n from schema_migrations group by name order by name`;
        assert.deepEqual(rows.map((r) => [r.name, r.n]), files.map((f) => [f, 1]));
      } finally {
        await sql.end({ timeout: 5 });
      }
      for (const c of consumers) {
        const status = await c.stop("SIGTERM");
        assert.equal(status.code, 0, `consumer ${c.name} stops cleanly:\n${c.output}`);
      }
    } finally {
      await Promise.all(consumers.map((c) => c.stop("SIGKILL")));
      await db.drop();
    }
  },
});
