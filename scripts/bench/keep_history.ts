/**
 * Fills a database that is kept afterwards with N sales of history (the growth bench's fill), for
 * profiling at a stored size without filling again:
 * `deno run -A scripts/bench/keep_history.ts <database> <size>` (DATABASE_URL names the server).
 * Drop it when done: `dropdb <database>`.
 */
import { connect, maintenanceUrl } from "../../lib/infra/db.ts";
import { migrate } from "../../lib/infra/migrate.ts";
import { loadConfig } from "../../lib/infra/config.ts";
import { fillHistory } from "./growth.ts";

const [name, sizeText] = Deno.args;
if (!name || !/^[a-z_][a-z0-9_]*$/.test(name) || !/^\d+$/.test(sizeText ?? "")) {
  console.error("usage: keep_history.ts <database> <size>");
  Deno.exit(2);
}
const size = Number(sizeText);
const base = new URL(loadConfig().databaseUrl);
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
