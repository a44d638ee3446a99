import assert from "node:assert/strict";
import { loadConfig, roleUrl } from "../../lib/infra/config.ts";
import { connect, maintenanceUrl } from "../../lib/infra/db.ts";
import { connectMigrated, connectService } from "../../lib/infra/migrate.ts";
import { ConsumerProcess } from "../support/faults.ts";
import { freePort, uniqueSuffix, waitFor } from "../support/fixtures.ts";
import { config, createTestDatabase, createTestTopic } from "../support/services.ts";
import { messages } from "../support/tasks.ts";

const SQL_DIR = new URL("../../sql/", import.meta.url);

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

/** A project entrypoint started as its task starts it, with its output kept. */
function spawnTask(script: string, args: string[]) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(`../../${script}`, import.meta.url).pathname, ...args],
    env: { NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const task = {
    child,
    raw: "",
    /** the messages of its output (the lines without their time and level) */
    get output() {
      return messages(this.raw);
    },
  };
  for (const stream of [child.stdout, child.stderr]) {
    stream.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({ write: (chunk) => void (task.raw += chunk) }),
    ).catch(() => {});
  }
  return task;
}

Deno.test({
  name:
    "four consumers, two dashboards and a verify started at once on a new database all run, and each migration is applied once",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const db = freshDatabase();
    const topic = await createTestTopic(4);
    const group = `g-${uniqueSuffix()}`;
    const ports = [freePort(), freePort()];
    const consumers = ["a", "b", "c", "d"].map((name) =>
      new ConsumerProcess(db.url, topic, group, name, false)
    );
    const dashboards = ports.map((port) =>
      spawnTask("main.ts", ["--database-url", db.url, "--topic", topic, "--port", String(port)])
    );
    const verify = spawnTask("scripts/verify.ts", ["--database-url", db.url]);
    try {
      await Promise.all(consumers.map((c) => waitUntilConsuming(c)));
      const verified = await verify.child.status;
      assert.equal(verified.code, 0, verify.output);
      assert.match(verify.output, /^no drift/m);
      for (const [i, port] of ports.entries()) {
        await waitFor(
          () => Promise.resolve(/^Dashboard at /m.test(dashboards[i]!.output)),
          `dashboard ${i}`,
          90_000,
        ).catch((error) => {
          throw new Error(`${(error as Error).message}:\n${dashboards[i]!.output}`);
        });
        const answer = await fetch(`http://127.0.0.1:${port}/api/summary`);
        const body = await answer.text();
        assert.equal(answer.status, 200, body);
        JSON.parse(body);
      }
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
      for (const d of dashboards) {
        d.child.kill("SIGTERM");
        assert.equal((await d.child.status).code, 0, d.output);
      }
    } finally {
      await Promise.all(consumers.map((c) => c.stop("SIGKILL")));
      for (const task of [...dashboards, verify]) {
        try {
          task.child.kill("SIGKILL");
        } catch { /* ended */ }
        await task.child.status;
      }
      await db.drop();
    }
  },
});

Deno.test("the dashboard role sales_reader can read but not write", async () => {
  const db = await createTestDatabase();
  const reader = connect(roleUrl(db.url, "sales_reader"), { max: 1 });
  try {
    const [t] = await reader`select sales_count::int from sales_totals`;
    assert.equal(t!.sales_count, 0);
    await assert.rejects(reader`update agg_totals set sales_count = 1`, { code: "42501" });
    await assert.rejects(
      reader`insert into agg_category values (0, 1, 1, 1, 1)`,
      { code: "42501" },
    );
    await assert.rejects(reader`insert into categories (name) values ('x')`, { code: "42501" });
    await assert.rejects(reader`delete from sales`, { code: "42501" });
  } finally {
    await reader.end();
    await db.close();
  }
});

Deno.test("the consumer role sales_writer can insert and update its tables but not delete, truncate or create", async () => {
  const db = await createTestDatabase();
  const writer = connect(roleUrl(db.url, "sales_writer"), { max: 1 });
  try {
    await writer`insert into categories (name) values ('Books')`;
    await writer`insert into agg_totals (part, rejected) values (99, 1)`;
    await writer`update agg_totals set rejected = rejected + 1`;
    await assert.rejects(writer`delete from agg_totals`, { code: "42501" });
    await assert.rejects(writer`delete from categories`, { code: "42501" });
    await assert.rejects(writer`truncate sales`, { code: "42501" });
    await assert.rejects(writer`create table stolen (x int)`, { code: "42501" });
    await assert.rejects(writer`drop table sales`, { code: "42501" });
  } finally {
    await writer.end();
    await db.close();
  }
});

Deno.test("the dashboard logs in as sales_reader itself: SET ROLE and RESET ROLE cannot make it another role", async () => {
  const db = await createTestDatabase();
  const logins = loadConfig({ DATABASE_URL: db.url }).database;
  const reader = await connectService(logins, "dashboard", { max: 1 });
  const current = async () => (await reader`select current_user, session_user`)[0]!;
  try {
    assert.deepEqual({ ...await current() }, {
      current_user: "sales_reader",
      session_user: "sales_reader",
    });
    for (const role of ["postgres", "sales_writer"]) {
      await assert.rejects(reader`set role ${reader(role)}`, { code: "42501" }, role);
    }
    await assert.rejects(reader`set session authorization postgres`, { code: "42501" });
    await reader`set role none`;
    assert.equal((await current()).current_user, "sales_reader");
    await reader`reset role`;
    assert.equal((await current()).current_user, "sales_reader");
  } finally {
    await reader.end();
    await db.close();
  }
});

Deno.test("a database that records a migration's number under another name is refused in one sentence, and nothing more is applied", async () => {
  const db = freshDatabase();
  const owner = { ...loadConfig().database.owner, url: db.url };
  try {
    await (await connectMigrated(owner)).end();
    const sql = connect(db.url, { max: 1 });
    try {
      const [last] = await sql`select max(id)::int as id from schema_migrations`;
      // as a database migrated by another version looks: a migration's number under another
      // name, and after it one that sql/ holds but the database lacks
      const renamed = last!.id - 1;
      await sql`delete from schema_migrations where id = ${last!.id}`;
      await sql`update schema_migrations set name = '9999_from_elsewhere.sql'
        where id = ${renamed}`;
      await assert.rejects(
        () => connectMigrated(owner),
        (error: Error) => {
          assert.equal(error.name, "DatabaseRefusedError");
          assert.doesNotMatch(error.message, /\n/);
          assert.match(
            error.message,
            new RegExp(
              `^PostgreSQL at [^ ]+/${db.name}: the database records migration ${renamed} as ` +
                "9999_from_elsewhere.sql, but sql/ holds \\d{4}_\\w+\\.sql: it was migrated by " +
                "another version of the project",
            ),
          );
          return true;
        },
      );
      const [after] = await sql`select count(*)::int as n from schema_migrations`;
      assert.equal(after!.n, renamed, "the migration after the mismatch is not applied");
    } finally {
      await sql.end({ timeout: 5 });
    }
  } finally {
    await db.drop();
  }
});
