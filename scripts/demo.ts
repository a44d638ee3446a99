/** `deno task demo`: services up, consumer and dashboard started, sample sales then a live stream. */
import { taskDenoFlags } from "../lib/infra/tasks.ts";
import { parseCli } from "../lib/infra/cli.ts";
import { kafkaUp } from "../lib/provision/kafka_broker.ts";
import { postgresUp } from "../lib/provision/postgres_cluster.ts";
import { sleep } from "../lib/core/async.ts";
import { provisionOrExit } from "../lib/provision/run.ts";

const USAGE = `Usage: deno task demo [--delay MIN-MAX]

Starts Kafka and PostgreSQL when none answers, then the consumer and the dashboard, sends the
sample file in bulk and keeps generating new sales (one every MIN-MAX seconds, default 1-5)
so the dashboard moves. Prints the dashboard URL. Ctrl-C stops the consumer, server and stream.`;

const ROOT = new URL("..", import.meta.url).pathname;

function start(script: string, args: string[], denoFlags: string[] = []) {
  return new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...denoFlags, `${ROOT}${script}`, ...args],
    cwd: ROOT,
    stdin: "null",
    stdout: "null",
    stderr: "inherit",
  }).spawn();
}

if (import.meta.main) {
  const { config, values } = parseCli(USAGE, { delay: { type: "string" } });
  const delay = (values.delay as string | undefined) ?? "1-5";
  await provisionOrExit(async (say) => {
    await kafkaUp(config.kafkaBrokers, say);
    await postgresUp(config.databaseUrl, say);
  });
  const children = [
    start("consumer.ts", ["--quiet"], taskDenoFlags("consume")),
    start("main.ts", []),
  ];
  const stop = async () => {
    for (const child of children) {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
    }
    await Promise.all(children.map((c) => c.status));
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);

  const bulk = start("producer.ts", ["--delay", "0", "--quiet"]);
  await bulk.status;
  await sleep(1000);
  console.log(`\nDashboard: http://${config.host}:${config.port}/  (Ctrl-C stops the demo)\n`);
  const live = start("producer.ts", [
    "--generate",
    "100000",
    "--seed",
    String(Date.now() % 1_000_000_000),
    "--delay",
    delay,
    "--quiet",
  ]);
  children.push(live);
  await live.status;
}
