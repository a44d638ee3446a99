/**
 * Fills a database that is kept afterwards with N sales of history (the growth bench's fill), for
 * profiling at a stored size without filling again:
 * `deno run -A scripts/bench/keep_history.ts --database bench_NAME --size N` (DATABASE_URL names
 * the server; the database must not exist yet). Drop it when done: `dropdb bench_NAME`.
 */
import { connect, maintenanceUrl } from "../../lib/infra/db.ts";
import { migrate } from "../../lib/infra/migrate.ts";
import { parseCli } from "../../lib/infra/cli.ts";
import { fillHistory, keptDatabaseName, MAX_GROWTH_SIZE, wholeNumber } from "./growth.ts";

const USAGE =
  `Usage: deno run -A scripts/bench/keep_history.ts --database bench_NAME --size N [options]

Fills a new database bench_NAME with N sales of history (as deno task bench --growth does) and
keeps it, for profiling at that size without filling again.
  --database bench_NAME  the database to create (bench_ and lower-case letters, digits or _)
  --size N               sales of history, 1 to ${MAX_GROWTH_SIZE}`;

const { config, options } = parseCli("bench", USAGE, {
  database: { type: "string" },
  size: { type: "string" },
}, (values) => ({
  name: keptDatabaseName("--database", values.database as string | undefined),
  size: wholeNumber("--size", values.size as string | undefined, 1, MAX_GROWTH_SIZE),
}));
const { name, size } = options;
const base = new URL(config.databaseUrl);
const admin = connect(maintenanceUrl(base.toString()), { max: 1 });
await admin`create database ${admin(name)}`;
await admin.end({ timeout: 5 });
base.pathname = `/${name}`;
const url = base.toString();
const sql = connect(url, { max: 1 });
await migrate(sql);
const t0 = performance.now();
const say = (line: string) =>
  console.error(`[${((performance.now() - t0) / 1000).toFixed(0)} s] ${line}`);
// The bench's default seed (42) plus the size, as `--growth` uses.
const fill = await fillHistory(url, size, { seed: 42 + size, partitions: 6, progress: say });
say(`COPY ${fill.copyMs.toFixed(0)} ms, rebuild ${fill.rebuildMs.toFixed(0)} ms; vacuum (analyze)`);
await sql`vacuum (analyze)`;
await sql`checkpoint`;
say("done");
await sql.end({ timeout: 5 });
