/**
 * The dashboard's p50/p99 per selection on an existing database, as the growth bench measures it
 * (main.ts, 50 clients for 5 s per selection), printed as one JSON line:
 * `deno run -A scripts/bench/dashboard_on.ts <database> [seconds]`
 */
import { loadConfig } from "../../lib/infra/config.ts";
import { createKafka } from "../../lib/infra/kafka.ts";
import { loadDashboard } from "./dashboard.ts";
import { Resources } from "./resources.ts";

const [name, secondsText] = Deno.args;
if (!name) {
  console.error("usage: dashboard_on.ts <database> [seconds]");
  Deno.exit(2);
}
const config = loadConfig();
const runId = crypto.randomUUID().replaceAll("-", "").slice(0, 8);
const kafka = createKafka(config.kafkaBrokers, "sales-bench", { security: config.kafkaSecurity });
const resources = new Resources(config.databaseUrl, kafka, runId);
const u = new URL(config.databaseUrl);
u.pathname = `/${name}`;
const loadavg = () => Deno.readTextFileSync("/proc/loadavg").split(" ")[0];
try {
  const load = loadavg();
  const results = await loadDashboard({
    resources,
    url: u.toString(),
    brokers: config.kafkaBrokers,
    topic: `bench_${runId}_none`,
    clients: 50,
    seconds: Number(secondsText ?? 5),
  });
  console.log(JSON.stringify({
    database: name,
    load,
    load_after: loadavg(),
    p50_ms: Object.fromEntries(Object.entries(results).map(([k, r]) => [k, round(r.p50)])),
    p99_ms: Object.fromEntries(Object.entries(results).map(([k, r]) => [k, round(r.p99)])),
  }));
} finally {
  await resources.release((line) => console.error(line));
}

function round(x: number): number {
  return Math.round(x * 10) / 10;
}
