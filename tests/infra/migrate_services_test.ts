import assert from "node:assert/strict";
import { loadConfig } from "../../lib/infra/config.ts";
import {
  connect,
  databaseError,
  DatabaseRefusedError,
  maintenanceUrl,
} from "../../lib/infra/db.ts";
import { cardHashKeyCheck } from "../../lib/store/card_hash_key.ts";
import { ConsumerProcess } from "../support/faults.ts";
import { sampleRecords, uniqueSuffix, waitFor } from "../support/fixtures.ts";
import {
  config,
  createTestDatabase,
  createTestTopic,
  produceAll,
  storedOffsetSum,
} from "../support/services.ts";

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
  const task = { child, output: "" };
  for (const stream of [child.stdout, child.stderr]) {
    stream.pipeThrough(new TextDecoderStream()).pipeTo(
      new WritableStream({ write: (chunk) => void (task.output += chunk) }),
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
    const ports = [0, 1].map(() => 20_000 + Math.floor(Math.random() * 40_000));
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

Deno.test({
  name:
    "a consumer with another card-hash key than the database's refuses to start in one line, exit 2, nothing written",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const db = await createTestDatabase();
    const topic = await createTestTopic(2);
    const group = `g-${uniqueSuffix()}`;
    const key = `deployment-key-${crypto.randomUUID()}`;
    const other = `other-host-key-${crypto.randomUUID()}`;
    const keyFile = await Deno.makeTempFile();
    await Deno.writeTextFile(keyFile, `${key}\n`);
    const records = sampleRecords(60, 17);
    const started: ConsumerProcess[] = [];
    const consumer = (name: string, env: Record<string, string>) => {
      const c = new ConsumerProcess(db.url, topic, group, name, true, { env });
      started.push(c);
      return c;
    };
    const sales = async () => (await db.sql`select count(*)::int as n from sales`)[0]!.n as number;
    try {
      await produceAll(topic, records.slice(0, 40), 2);
      const first = consumer("first", { CARD_HASH_SECRET: key });
      await waitFor(async () => await storedOffsetSum(db.sql, group) === 40, "the first 40 stored");
      assert.equal((await first.stop("SIGTERM")).code, 0, first.output);
      const [row] = await db.sql`select check_value from card_hash_key`;
      assert.equal(row!.check_value, cardHashKeyCheck(key), "the key's check value, stored once");
      assert.ok(!JSON.stringify(row).includes(key), "never the key itself");

      // 20 new sales and 20 re-deliveries: with another key these would be conflicting duplicates.
      await produceAll(topic, [...records.slice(40), ...records.slice(0, 20)], 2);
      const wrong = consumer("wrong", { CARD_HASH_SECRET: other });
      const status = await wrong.status;
      assert.equal(status.code, 2, wrong.output);
      assert.match(
        wrong.output,
        /^Cannot start consumer: the card-hash key from CARD_HASH_SECRET is not this deployment's: database "sales_test_\w+" was written with another key; set CARD_HASH_SECRET_FILE \(or CARD_HASH_SECRET\) to the deployment's key, the same on every host; nothing was written\n$/,
      );
      assert.ok(!wrong.output.includes(other) && !wrong.output.includes(key), "no key shown");
      assert.equal(await sales(), 40, "nothing written");
      assert.equal(await storedOffsetSum(db.sql, group), 40, "no offset moved");

      const right = consumer("right", { CARD_HASH_SECRET_FILE: keyFile });
      await waitFor(async () => await storedOffsetSum(db.sql, group) === 80, "the rest stored");
      assert.equal((await right.stop("SIGTERM")).code, 0, right.output);
      assert.equal(await sales(), 60);
      const [t] = await db.sql`select rejected::int, duplicates::int from sales_totals`;
      assert.deepEqual({ ...t }, { rejected: 0, duplicates: 20 }, "re-deliveries, not conflicts");
    } finally {
      await Promise.all(started.map((c) => c.stop("SIGKILL")));
      await Deno.remove(keyFile);
      await db.close();
    }
  },
});

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
