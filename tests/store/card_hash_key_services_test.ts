import assert from "node:assert/strict";
import { cardHashKeyCheck } from "../../lib/store/card_hash_key.ts";
import { ConsumerProcess } from "../support/faults.ts";
import { sampleRecords, uniqueSuffix, waitFor } from "../support/fixtures.ts";
import {
  createTestDatabase,
  createTestTopic,
  produceAll,
  storedOffsetSum,
} from "../support/services.ts";

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
        /^starting: consume \S+ as group \S+ from Kafka at \S+ into PostgreSQL at \S+\nCannot start consumer: the card-hash key from CARD_HASH_SECRET is not this deployment's: database "sales_test_\w+" was written with another key; set CARD_HASH_SECRET_FILE \(or CARD_HASH_SECRET\) to the deployment's key, the same on every host; nothing was written\n$/,
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
