/** `deno task verify`: recomputes every aggregate from `sales` and reports drift (exit 1 on drift). */
import { databaseFailure, parseCli } from "../lib/infra/cli.ts";
import type { Sql } from "../lib/infra/db.ts";
import { connectMigrated } from "../lib/infra/migrate.ts";
import { retentionState } from "../lib/store/retention.ts";
import { findDrift } from "../lib/store/verify.ts";

const USAGE = `Usage: deno task verify

Compares every aggregate table and the totals with a GROUP BY over \`sales\`. After
\`deno task retention\` dropped months, the all-time aggregates are compared with the sales kept
plus the figures retired with those months, and the per-minute ones from the first moment kept.
Prints each difference; exits 0 when none, 1 on drift or when PostgreSQL cannot be reached or
refuses the login (one sentence naming the setting to fix).`;

if (import.meta.main) {
  const { config } = parseCli("verify", USAGE, {});
  let sql: Sql | undefined;
  try {
    sql = await connectMigrated(config.database.owner);
    const drift = await findDrift(sql);
    const { keptFrom } = await retentionState(sql);
    for (const d of drift) {
      console.log(`${d.table} ${d.key}: stored ${d.stored}; from sales ${d.expected}`);
    }
    console.log(
      drift.length > 0
        ? `${drift.length} rows drift`
        : keptFrom === null
        ? "no drift: every aggregate equals a GROUP BY over sales"
        : "no drift: every aggregate equals a GROUP BY over the sales kept (filed from " +
          `${keptFrom.toISOString()} on) plus the figures of the months retention dropped`,
    );
    Deno.exitCode = drift.length === 0 ? 0 : 1;
  } catch (error) {
    console.error(`error: ${databaseFailure(error, config.database.owner)}; nothing was checked`);
    Deno.exitCode = 1;
  } finally {
    await sql?.end({ timeout: 5 }).catch(() => {});
  }
}
