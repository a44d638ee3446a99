/** `deno task rebuild`: rebuilds every aggregate table from `sales` in one transaction. */
import { databaseFailure, parseCli } from "../lib/infra/cli.ts";
import type { Sql } from "../lib/infra/db.ts";
import { connectMigrated } from "../lib/infra/migrate.ts";
import { rebuildAggregates } from "../lib/store/verify.ts";

const USAGE = `Usage: deno task rebuild

Replaces the aggregate tables and totals with a GROUP BY over \`sales\`, atomically.
Running consumers wait for it and then go on; the rejected and duplicate counters are kept.
After \`deno task retention\` dropped months, the all-time aggregates add the figures retired with
them, and the per-minute figures before the first moment kept stay as they are.
Exit status: 0 rebuilt; 1 PostgreSQL cannot be reached or refused (one sentence naming the
setting to fix; the aggregates are as they were); 2 bad usage.`;

if (import.meta.main) {
  const { config } = parseCli("rebuild", USAGE, {});
  let sql: Sql | undefined;
  try {
    sql = await connectMigrated(config.database.owner);
    const started = performance.now();
    await rebuildAggregates(sql);
    console.log(`rebuilt aggregates from sales in ${Math.round(performance.now() - started)} ms`);
  } catch (error) {
    console.error(`error: ${databaseFailure(error, config.database.owner)}; nothing was rebuilt`);
    Deno.exitCode = 1;
  } finally {
    await sql?.end({ timeout: 5 }).catch(() => {});
  }
}
