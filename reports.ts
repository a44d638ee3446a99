/** `deno task reports`: the six stream reports on Kafka Streams (streams/), built on first use. */
import { failureReason } from "./lib/infra/cli.ts";
import { type Config, ConfigError, loadConfig } from "./lib/infra/config.ts";
import { LOCAL_DIR, ProvisionError } from "./lib/infra/process.ts";
import { cardHashSecret } from "./lib/infra/secret.ts";
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

This launcher gives the process:
  CARD_HASH_SECRET         in its environment: the card-hash key every task uses
                           (CARD_HASH_SECRET, CARD_HASH_SECRET_FILE, else .local/card-hash-secret)
  REPORTS_INSTANCE_ID      when unset: <host>-<n>, the lowest n not running on this machine
  REPORTS_STATE_DIR        when unset: .local/reports-state/<instance id>
  KAFKA_CLIENT_PROPERTIES  when unset and KAFKA_SECURITY_PROTOCOL is SSL or SASL_SSL: the
                           project's Kafka security settings (KAFKA_USERNAME, KAFKA_PASSWORD_FILE,
                           KAFKA_CA_FILE, ... or their --kafka-* flags) as Java client properties
and every other flag. Ctrl-C or SIGTERM stops it cleanly (it commits the work in hand; SIGKILL
after 35 s) and exits 0. Otherwise the exit status is the process' own (below); also 2 when a
setting is bad, Java or Maven is missing or the build fails, and 1 when Kafka's TLS certificate
is not trusted.`;

/** The value of `--name VALUE` or `--name=VALUE` in the arguments. */
function flagValue(args: string[], name: string): string | undefined {
  for (let i = 0; i < args.length; i++) {
    if (args[i] === name) return args[i + 1];
    if (args[i]!.startsWith(`${name}=`)) return args[i]!.slice(name.length + 1);
  }
  return undefined;
}

/** Prints the sentence and exits 2 (the process' own status for "fix first"). */
function cannotStart(error: unknown): never {
  if (!(error instanceof ProvisionError)) throw error;
  console.error(`Cannot start reports: ${error.message}`);
  Deno.exit(2);
}

if (import.meta.main) {
  const args = Deno.args;
  const help = args.includes("--help") || args.includes("-h");
  if (help) console.log(`${USAGE}\n`);
  await ensureReportsBuilt({ say: (line) => console.log(line) }).catch(cannotStart);
  if (help) Deno.exit((await startReportsProcess({ args: ["--help"] }).status).code);

  // The settings every task reads (Kafka's address and security, the card-hash key), checked here.
  const { flags, own } = splitArgs(args);
  let config: Config;
  try {
    config = loadConfig(Deno.env.toObject(), flags);
    cardHashSecret();
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    // As every task refuses a bad setting (lib/infra/cli.ts): one sentence, exit 2.
    console.error(
      `error: ${error.message}\n\n${USAGE.split("\n")[0]}\nRun with --help for every option.`,
    );
    Deno.exit(2);
  }
  const instance = await claimInstance({
    id: flagValue(own, "--instance-id") ?? Deno.env.get("REPORTS_INSTANCE_ID"),
    stateDir: flagValue(own, "--state-dir") ?? Deno.env.get("REPORTS_STATE_DIR"),
  }).catch(cannotStart);
  const clientDir = `${LOCAL_DIR}reports-client/${instance.id}`;
  let security: Record<string, string>;
  try {
    security = await clientProperties(config, clientDir, flagValue(own, "--client-properties"));
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
