/** `deno task verify`: recomputes every aggregate from `sales` and reports drift (exit 1 on drift). */
import { parseCli } from "../lib/infra/cli.ts";
import { connectMigrated } from "../lib/infra/migrate.ts";
import { findDrift } from "../lib/store/verify.ts";

const USAGE = `Usage: deno task verify

Compares every aggregate table and the totals with a GROUP BY over \`sales\`.
Prints each difference; exits 0 when none, 1 on drift.`;

if (import.meta.main) {
  const { config } = parseCli("verify", USAGE, {});
  const sql = await connectMigrated(config.database.owner);
  try {
    const drift = await findDrift(sql);
    for (const d of drift) {
      console.log(`${d.table} ${d.key}: stored ${d.stored}; from sales ${d.expected}`);
    }
    console.log(
      drift.length === 0
        ? "no drift: every aggregate equals a GROUP BY over sales"
        : `${drift.length} rows drift`,
    );
    Deno.exitCode = drift.length === 0 ? 0 : 1;
  } finally {
    await sql.end();
  }
}
