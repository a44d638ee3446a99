/** `deno task retention`: creates the coming months' partitions and drops the months past SALES_RETENTION. */
import { databaseFailure, parseCli } from "../lib/infra/cli.ts";
import type { Sql } from "../lib/infra/db.ts";
import { connectMigrated } from "../lib/infra/migrate.ts";
import { applyRetention } from "../lib/store/retention.ts";

const USAGE = `Usage: deno task retention [--retention 400d]

Run it once a day (cron, a systemd timer) as the database's owner. It creates the partitions of
\`sales\` and of the minute log for this month and the next two (and for any month whose sales
landed in the default partition), then, with SALES_RETENTION set, drops each month whose end is
older than it: its figures stay in the all-time aggregates, its sales and their ids go (a copy of
one of them arriving later is counted again). Without SALES_RETENTION nothing is dropped.
Exit status: 0 done; 1 PostgreSQL cannot be reached, refused, or a lock was not granted within
10 s (what was done is said; run it again); 2 bad usage or a bad SALES_RETENTION.`;

if (import.meta.main) {
  const { config } = parseCli("retention", USAGE, {});
  let sql: Sql | undefined;
  try {
    sql = await connectMigrated(config.database.owner);
    const report = await applyRetention(
      sql,
      config.salesRetention,
      new Date(),
      (line) => console.log(line),
    );
    console.log(
      `partitions ready for ${report.ensured.join(", ")}; ` +
        (config.salesRetention === undefined
          ? "SALES_RETENTION is not set: every month is kept"
          : `kept ${config.salesRetention} days: ${report.dropped.length} months dropped, ` +
            `${report.droppedFromDefault} late sales dropped from the default partition; ` +
            `sales filed from ${report.keptFrom?.toISOString() ?? "the beginning"} are kept`),
    );
  } catch (error) {
    console.error(`error: ${databaseFailure(error, config.database.owner)}`);
    Deno.exitCode = 1;
  } finally {
    await sql?.end({ timeout: 5 }).catch(() => {});
  }
}
