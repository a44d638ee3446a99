import assert from "node:assert/strict";
import { selectTopCustomers } from "../../lib/store/queries.ts";
import { findDrift } from "../../lib/store/verify.ts";
import { minuteOf, writeBatch } from "../../lib/store/write_batch.ts";
import { partitionBatch, sampleRecords, validSales } from "../support/fixtures.ts";
import { createTestDatabase } from "../support/services.ts";

const everything = { fromMinute: null, toMinute: null };

Deno.test("the overall top customers come from each partition's short list of leaders, exactly", async () => {
  const db = await createTestDatabase();
  try {
    const list = validSales(sampleRecords(9000, 23));
    for (let p = 0; p < 3; p++) {
      const mine = list.filter((_, i) => i % 3 === p);
      for (let i = 0; i < mine.length; i += 1000) {
        await writeBatch(db.sql, {
          ...partitionBatch(mine.slice(i, i + 1000), i === 0 ? null : String(i), i),
          partition: p,
        });
      }
    }
    const [{ leaders, customers }] = await db.sql`
      select (select count(*)::int from agg_customer_leaders) as leaders,
        (select count(distinct customer_id)::int from agg_customer) as customers` as unknown as [
      { leaders: number; customers: number },
    ];
    assert.ok(leaders < customers / 2, `${leaders} leaders of ${customers} customers`);
    const [{ floor }] = await db
      .sql`select min(leader_floor)::int as floor from agg_totals` as unknown as [
        { floor: number },
      ];
    assert.ok(floor > 2, "the floors rose");
    const top = await selectTopCustomers(db.sql, everything, minuteOf(new Date()), 10);
    const want = await db.sql`
      select customer_id, count(*)::text as n, sum(sale_price)::text as revenue from sales
      group by customer_id order by count(*) desc, sum(sale_price) desc, customer_id limit 10`;
    assert.deepEqual(
      top.map((c) => [c.customer_id, c.sales_count, c.revenue]),
      want.map((r) => [r.customer_id, r.n, r.revenue]),
    );
    assert.deepEqual(await findDrift(db.sql), [], "every leader list holds exactly its customers");
  } finally {
    await db.close();
  }
});
