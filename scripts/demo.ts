/** `deno task demo`: services up, consumer and dashboard started, sample sales then a live stream. */
import { taskDenoFlags } from "../lib/infra/tasks.ts";
import { parseCli } from "../lib/infra/cli.ts";
import { quietKafkaTimerWarnings } from "../lib/infra/kafka.ts";
import { kafkaUp } from "../lib/provision/kafka_broker.ts";
import { postgresUp } from "../lib/provision/postgres_cluster.ts";
import { sleep } from "../lib/core/async.ts";
import { provisionOrExit } from "../lib/provision/run.ts";
import { ensureReportsBuilt } from "../lib/reports/launch.ts";

const USAGE = `Usage: deno task demo [--delay MIN-MAX]

Starts Kafka and PostgreSQL when none answers, then the consumer, the reports process
(\`deno task reports\`, for the /kafka page) and the dashboard, sends the sample file in bulk and
keeps generating new sales (one every MIN-MAX seconds, default 1-5) so both pages move. Prints
the dashboard's URLs. Ctrl-C stops the consumer, the reports process, the server and the stream.
Each process gets the settings below as the demo read them, and every other setting from the
environment.`;

const ROOT = new URL("..", import.meta.url).pathname;

/** Every process the demo started; Ctrl-C (or SIGTERM) stops each that still runs. */
const children: Deno.ChildProcess[] = [];

/** Starts an entrypoint as `deno task` would (with the task's Deno flags); its stderr is shown. */
function start(
  script: string,
  args: string[],
  env: Record<string, string>,
  denoFlags: string[] = [],
) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", ...denoFlags, `${ROOT}${script}`, ...args],
    cwd: ROOT,
    env,
    stdin: "null",
    stdout: "null",
    stderr: "inherit",
  }).spawn();
  children.push(child);
  return child;
}

if (import.meta.main) {
  const { config, values } = parseCli("demo", USAGE, { delay: { type: "string" } });
  const delay = (values.delay as string | undefined) ?? "1-5";
  // The processes reach the same services as the demo, and the dashboard listens where it says.
  const env = {
    KAFKA_BROKERS: config.kafkaBrokers.join(","),
    DATABASE_URL: config.databaseUrl,
    HOST: config.host,
    PORT: String(config.port),
  };
  quietKafkaTimerWarnings(); // kafkajs' negative timers while it waits for the broker it started
  await provisionOrExit(async (say) => {
    await kafkaUp(config.kafkaBrokers, say);
    await postgresUp(config.database.owner, say);
    await ensureReportsBuilt({ say }); // the reports process (Kafka Streams), built once
  });
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
  start("consumer.ts", ["--quiet"], env, taskDenoFlags("consume"));
  // The Kafka-side reports for /kafka; reports.ts is what `deno task reports` runs.
  start("reports.ts", [], env, taskDenoFlags("reports"));
  start("main.ts", [], env);

  const bulk = start("producer.ts", ["--delay", "0", "--quiet"], env);
  await bulk.status;
  await sleep(1000);
  const base = `http://${config.host}:${config.port}`;
  console.log(
    `\nDashboard: ${base}/  Kafka reports: ${base}/kafka  (Ctrl-C stops the demo)\n`,
  );
  const live = start("producer.ts", [
    "--generate",
    "100000",
    "--seed",
    String(Date.now() % 1_000_000_000),
    "--delay",
    delay,
    "--quiet",
  ], env);
  await live.status;
}
