/** `deno task rebuild`: rebuilds every aggregate table from `sales` in one transaction. */
import { parseCli } from "../lib/infra/cli.ts";
import { connectMigrated } from "../lib/infra/migrate.ts";
import { rebuildAggregates } from "../lib/store/verify.ts";

const USAGE = `Usage: deno task rebuild

Replaces the aggregate tables and totals with a GROUP BY over \`sales\`, atomically.
Running consumers wait for it and then go on; the rejected and duplicate counters are kept.`;

if (import.meta.main) {
  const { config } = parseCli("rebuild", USAGE, {});
  const sql = await connectMigrated(config.database.owner);
  try {
    const started = performance.now();
    await rebuildAggregates(sql);
    console.log(`rebuilt aggregates from sales in ${Math.round(performance.now() - started)} ms`);
  } finally {
    await sql.end();
  }
}
