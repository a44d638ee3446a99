/** `deno task reports`: the six stream reports on Kafka Streams (streams/), built on first use. */
import { failureReason } from "./lib/infra/cli.ts";
import { loadTaskConfig, type TaskConfig } from "./lib/infra/config.ts";
import { LOCAL_DIR, ProvisionError } from "./lib/infra/process.ts";
import { ConfigError, processEnvironment } from "./lib/infra/settings.ts";
import { settingsHelp } from "./lib/infra/settings_help.ts";
import {
  claimInstance,
  clientProperties,
  ensureReportsBuilt,
  splitArgs,
  startReportsProcess,
} from "./lib/reports/launch.ts";
import { REPORTS } from "./lib/reports/topics.ts";

const USAGE = `Usage: deno task reports [--flag value ...]

Runs the reports process of streams/ (Kafka Streams, exactly once), which keeps the six reports
  ${REPORTS.join(", ")}
on compacted topics. It is built with Maven on first use and whenever streams/pom.xml or
streams/src/ changes (needs Java 17 and Maven). Start it again, on this or another host, with
the same REPORTS_GROUP to share the work between instances.

This launcher reads the settings below and gives the process, in its environment, the card-hash
key every task uses (as CARD_HASH_SECRET), its instance id and state folder (REPORTS_INSTANCE_ID,
REPORTS_STATE_DIR), its log format and the address of its /metrics, /healthz and /readyz
(LOG_FORMAT, REPORTS_METRICS_HOST, REPORTS_METRICS_PORT) and, on a secured cluster, its Kafka
client properties (KAFKA_CLIENT_PROPERTIES), with every flag but the Kafka security ones. Ctrl-C
or SIGTERM stops it cleanly (it commits the work in hand; SIGKILL after 35 s).

Exit status:
  0       stopped by Ctrl-C or SIGTERM and closed cleanly
  1       failed while running (Kafka unreachable, a stream thread died: starting again may
          work), or Kafka's TLS certificate is not trusted (fix KAFKA_CA_FILE)
  2       a bad setting, a refused setup, Java or Maven missing, or the build failed: fix first
  3       out of heap: raise REPORTS_HEAP_MB
  130/143 the process itself was sent SIGINT/SIGTERM (not through this launcher) and closed
          cleanly
  128+N   the process (its JVM) was killed by signal N, which it cannot answer: 137 is SIGKILL
          (kill -9, the kernel's out-of-memory killer, or no clean stop within 35 s of Ctrl-C or
          SIGTERM); one line says which. Its open Kafka transaction never commits: starting again
          loses nothing and counts nothing twice.`;

/** Prints the sentence and exits 2 (the process' own status for "fix first"). */
function cannotStart(error: unknown): never {
  if (!(error instanceof ProvisionError)) throw error;
  console.error(`Cannot start reports: ${error.message}`);
  Deno.exit(2);
}

if (import.meta.main) {
  const args = Deno.args;
  const help = args.includes("--help") || args.includes("-h");
  if (help) {
    console.log(`${USAGE}\n\n${settingsHelp("reports")}\n`);
    await ensureReportsBuilt({ say: (line) => console.log(line) }).catch(cannotStart);
    Deno.exit((await startReportsProcess({ args: ["--help"] }).status).code);
  }

  // The settings the launcher reads (SETTINGS' reports task: Kafka's address and security, the
  // card-hash key, the instance), checked before anything is built or started.
  const { flags, own } = splitArgs(args);
  let config: TaskConfig<"reports">;
  try {
    config = loadTaskConfig("reports", processEnvironment(), flags);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // As every task refuses a bad setting (lib/infra/cli.ts): one sentence, exit 2.
    console.error(
      `error: ${error.message}\n\n${USAGE.split("\n")[0]}\nRun with --help for every option.`,
    );
    Deno.exit(2);
  }
  await ensureReportsBuilt({ say: (line) => console.log(line) }).catch(cannotStart);
  const instance = await claimInstance({
    id: config.reportsInstanceId,
    stateDir: config.reportsStateDir,
  }).catch(cannotStart);
  const clientDir = `${LOCAL_DIR}reports-client/${instance.id}`;
  let security: Record<string, string>;
  try {
    security = await clientProperties(config, clientDir, config.kafkaClientProperties);
  } catch (error) {
    await instance.release();
    const what = `report ${config.salesTopic} as the reports process`;
    console.error(`Cannot start reports: ${failureReason(error, config, what)}`);
    Deno.exit(1);
  }
  const reports = startReportsProcess({
    args: own,
    env: {
      REPORTS_INSTANCE_ID: instance.id,
      REPORTS_STATE_DIR: instance.stateDir,
      LOG_FORMAT: config.logFormat,
      REPORTS_METRICS_HOST: config.reportsMetricsHost,
      REPORTS_METRICS_PORT: String(config.reportsMetricsPort),
      ...security,
    },
  });
  await instance.runBy(reports.pid);
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    reports.stop();
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  const status = await reports.status;
  await instance.release();
  await Deno.remove(clientDir, { recursive: true }).catch(() => {});
  if (status.signal) {
    // The JVM could not answer (SIGKILL): 128 + the signal's number, as a shell reports it.
    console.error(
      `reports: the process was killed by ${status.signal}` +
        (stopping
          ? " when it did not stop within 35 s of Ctrl-C or SIGTERM"
          : " (kill -9, or the kernel's out-of-memory killer: see dmesg)") +
        "; its open Kafka transaction never commits: starting it again loses nothing and counts " +
        `nothing twice; exit ${status.code}`,
    );
    Deno.exit(status.code);
  }
  // Stopped as asked and closed cleanly: 0, as every task. Otherwise the process' own status.
  const asked = stopping && (status.code === 143 || status.code === 130);
  Deno.exit(asked ? 0 : status.code);
}
