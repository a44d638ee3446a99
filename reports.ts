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
REPORTS_STATE_DIR) and, on a secured cluster, its Kafka client properties
(KAFKA_CLIENT_PROPERTIES), with every flag but the Kafka security ones. Ctrl-C or SIGTERM stops
it cleanly (it commits the work in hand; SIGKILL after 35 s) and exits 0. Otherwise the exit
status is the process' own (below); also 2 when a setting is bad, Java or Maven is missing or
the build fails, and 1 when Kafka's TLS certificate is not trusted.`;

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
    env: { REPORTS_INSTANCE_ID: instance.id, REPORTS_STATE_DIR: instance.stateDir, ...security },
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
  // Stopped as asked and closed cleanly: 0, as every task. Otherwise the process' own status.
  const asked = stopping && (status.code === 143 || status.code === 130);
  Deno.exit(asked ? 0 : status.code);
}
