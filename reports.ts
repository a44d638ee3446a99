/** `deno task reports`: the six stream reports on Kafka Streams (streams/), built on first use. */
import { ProvisionError } from "./lib/infra/process.ts";
import { claimInstance, ensureReportsBuilt, startReportsProcess } from "./lib/reports/launch.ts";
import { REPORTS } from "./lib/reports/topics.ts";

const USAGE = `Usage: deno task reports [--flag value ...]

Runs the reports process of streams/ (Kafka Streams, exactly once), which keeps the six reports
  ${REPORTS.join(", ")}
on compacted topics. It is built with Maven on first use and whenever streams/pom.xml or
streams/src/ changes (needs Java 17 and Maven). Start it again, on this or another host, with
the same REPORTS_GROUP to share the work between instances.

This launcher gives the process:
  CARD_HASH_SECRET     in its environment: CARD_HASH_SECRET, else .local/card-hash-secret
                       (created when missing, as every task does)
  REPORTS_INSTANCE_ID  when unset: <host>-<n>, the lowest n not running on this machine
  REPORTS_STATE_DIR    when unset: .local/reports-state/<instance id>
and every flag. SIGINT/SIGTERM stop it cleanly (it commits the work in hand; SIGKILL after 35 s).
Exit status: the process' own (below); 2 also when Java or Maven is missing or the build fails.`;

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

  const instance = await claimInstance({
    id: flagValue(args, "--instance-id") ?? Deno.env.get("REPORTS_INSTANCE_ID"),
    stateDir: flagValue(args, "--state-dir") ?? Deno.env.get("REPORTS_STATE_DIR"),
  }).catch(cannotStart);
  const reports = startReportsProcess({
    args,
    env: { REPORTS_INSTANCE_ID: instance.id, REPORTS_STATE_DIR: instance.stateDir },
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
  Deno.exit(status.code);
}
