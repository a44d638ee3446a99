import assert from "node:assert/strict";
import { Partitioners } from "kafkajs";
import { loadConfig, roleUrl } from "../lib/infra/config.ts";
import { connect } from "../lib/infra/db.ts";
import { connectService } from "../lib/infra/migrate.ts";
import { dlqTopic } from "../lib/infra/kafka.ts";
import { run } from "../lib/infra/process.ts";
import { ConsumerProcess } from "./support/faults.ts";
import { sampleRecords, uniqueSuffix, waitFor } from "./support/fixtures.ts";
import {
  createTestDatabase,
  createTestTopic,
  readAllMessages,
  storedOffsetSum,
  testKafka,
} from "./support/services.ts";

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

/** Every TypeScript source of the project (not dependencies, not tests). */
async function* sources(dir = new URL("../", import.meta.url)): AsyncGenerator<[string, string]> {
  for await (const e of Deno.readDir(dir)) {
    if (e.name.startsWith(".") || ["node_modules", "tests", "data", "docs"].includes(e.name)) {
      continue;
    }
    const url = new URL(e.name + (e.isDirectory ? "/" : ""), dir);
    if (e.isDirectory) yield* sources(url);
    else if (/\.(ts|tsx|js)$/.test(e.name) && !url.pathname.includes("/static/vendor/")) {
      yield [url.pathname, await Deno.readTextFile(url)];
    }
  }
}

Deno.test("no source builds SQL or HTML from strings: no unsafe(), raw() or dangerouslySetInnerHTML", async () => {
  const offenders: string[] = [];
  let files = 0;
  for await (const [path, text] of sources()) {
    files++;
    text.split("\n").forEach((line, i) => {
      if (
        /\.unsafe\s*\(|\braw\s*\(|dangerouslySetInnerHTML|new Function\s*\(|\beval\s*\(/.test(line)
      ) {
        offenders.push(`${path}:${i + 1}: ${line.trim()}`);
      }
    });
  }
  assert.ok(files > 20, `only ${files} files scanned`);
  assert.deepEqual(offenders, []);
});

Deno.test({
  name: "after a run no full card number is in PostgreSQL (pg_dump), the consumer's log or the DLQ",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const db = await createTestDatabase();
    const topic = await createTestTopic(2);
    const group = `g-${uniqueSuffix()}`;
    const records = sampleRecords(300, 51);
    const cards = [...new Set(records.map((r) => String(r.credit_card_number)))];
    const kafka = testKafka();
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({
      topic,
      messages: [
        ...records.map((r) => ({ key: String(r.sale_id), value: JSON.stringify(r) })),
        // Bad records that still carry a card number, spaced and plain.
        { key: "bad-1", value: JSON.stringify({ ...records[0], sale_id: "x1", state: "ZZ" }) },
        {
          key: "bad-2",
          value: `{"credit_card_number": "${cards[1]!.replace(/(\d{4})/g, "$1 ")}", oops`,
        },
      ],
    });
    await producer.disconnect();
    const consumer = new ConsumerProcess(db.url, topic, group, "pci", false);
    try {
      await waitFor(
        async () => (await storedOffsetSum(db.sql, group)) === records.length + 2,
        "all messages consumed",
      );
      await consumer.stop("SIGTERM");
      const dump = await run("pg_dump", ["--data-only", "--inserts", db.url]);
      assert.equal(dump.code, 0, dump.stderr);
      assert.ok(dump.stdout.includes(records[0]!.sale_id as string), "the dump holds the sales");
      const letters = await readAllMessages(dlqTopic(topic));
      assert.equal(letters.length, 2);
      const places = {
        "pg_dump": dump.stdout,
        "consumer log": consumer.output,
        "DLQ": letters.map((l) => `${l.value} ${l.error}`).join("\n"),
      };
      for (const [place, text] of Object.entries(places)) {
        const digits = text.replace(/[ -]/g, "");
        const found = cards.filter((card) => digits.includes(card));
        assert.deepEqual(found, [], `full card numbers in ${place}`);
      }
      assert.match(places.DLQ, /\*{12}\d{4}/, "the DLQ keeps the last four digits");
    } finally {
      await consumer.stop("SIGKILL");
      await db.close();
    }
  },
});
