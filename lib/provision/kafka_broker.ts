/** The local Kafka broker: jars from Maven Central, KRaft storage format, start, wait, stop. */
import type { Kafka } from "kafkajs";
import { brokerAnswers, createKafka } from "../infra/kafka.ts";
import {
  alive,
  isLocalHost,
  LOCAL_DIR,
  ProvisionError,
  requireCommand,
  requireJava17,
  run,
  startDetached,
  stopProcess,
  tail,
} from "../infra/process.ts";
import { sleep } from "../core/async.ts";

const INFRA = new URL("../../infra/kafka/", import.meta.url).pathname;
const LIBS = `${LOCAL_DIR}kafka-libs`;

/**
 * How a broker differs from the plaintext one of `deno task up` (lib/provision/kafka_security.ts
 * makes the secured one): its server.properties, the storage format's secret arguments, and the
 * client that tells when it is ready.
 */
export interface BrokerVariant {
  /** the server.properties text of a broker on host:port keeping its data in dataDir */
  serverProperties(host: string, port: number, dataDir: string): Promise<string>;
  /** arguments of the storage format holding secrets (SCRAM users): passed in a file, never argv */
  secretFormatArgs(): Promise<string[]>;
  /** a client that may describe the cluster */
  readinessClient(brokers: string[]): Kafka;
}

/** Where the broker listening on `port` keeps its config, data, log and pid (one folder per port). */
export function brokerDir(port: number) {
  const dir = `${LOCAL_DIR}kafka-${port}/`;
  return { dir, data: `${dir}data`, log: `${dir}kafka.log`, pidFile: `${dir}kafka.pid` };
}

/** The port of the first broker address. */
function firstPort(brokers: string[]): number {
  return Number(brokers[0]?.split(":")[1]);
}

/** Makes sure a broker answers at the first of `brokers`, starting the local one when needed. */
export async function kafkaUp(
  brokers: string[],
  say: (line: string) => void,
  variant?: BrokerVariant,
): Promise<void> {
  if (await brokerAnswers(brokers)) {
    say(`Kafka answers at ${brokers.join(",")}`);
    return;
  }
  const [host, portText] = brokers[0]!.split(":") as [string, string];
  if (!isLocalHost(host)) {
    throw new ProvisionError(
      `Kafka at ${
        brokers[0]
      } does not answer, and it is not on this machine; start it or fix KAFKA_BROKERS`,
    );
  }
  await requireJava17("run Kafka");
  await resolveJars(say);
  const port = Number(portText);
  const b = brokerDir(port);
  await writeServerProperties(host === "localhost" ? "127.0.0.1" : host, port, variant);
  await formatStorage(port, say, variant);
  const pid = startDetached("java", [
    "-Xms256m",
    "-Xmx1g",
    "-XX:+UseG1GC",
    `-Dlog4j.configuration=file:${INFRA}log4j.properties`,
    "-cp",
    `${LIBS}/*`,
    "kafka.Kafka",
    `${b.dir}server.properties`,
  ], b.log);
  await Deno.writeTextFile(b.pidFile, String(pid));
  say(`Starting Kafka (pid ${pid}, log ${b.log}) ...`);
  await waitForBroker(brokers, pid, b.log, variant);
  say(`Kafka answers at ${brokers.join(",")}`);
}

/** Stops the broker this project started, if it runs. */
export async function kafkaDown(brokers: string[], say: (line: string) => void): Promise<void> {
  const port = firstPort(brokers);
  const pid = ourPid(port);
  if (pid === undefined) {
    say("Kafka: no local broker of this project is running");
    return;
  }
  await stopProcess(pid, 60_000);
  await Deno.remove(brokerDir(port).pidFile).catch(() => {});
  say(`Kafka stopped (pid ${pid})`);
}

/** Stops the project's broker (SIGTERM, clean shutdown) and starts it again on the same data. */
export async function restartBroker(brokers: string[]): Promise<void> {
  await kafkaDown(brokers, () => {});
  await kafkaUp(brokers, () => {});
}

/** The pid of the running broker this project started on that port, if any. */
export function ourPid(port: number): number | undefined {
  try {
    const pid = Number(Deno.readTextFileSync(brokerDir(port).pidFile).trim());
    if (!alive(pid)) return undefined;
    const cmdline = Deno.readTextFileSync(`/proc/${pid}/cmdline`);
    return cmdline.includes("kafka.Kafka") ? pid : undefined;
  } catch {
    return undefined;
  }
}

async function resolveJars(say: (line: string) => void) {
  const marker = `${LIBS}/.resolved`;
  const pom = await Deno.readTextFile(`${INFRA}pom.xml`);
  const wanted = /<kafka\.version>([^<]+)</.exec(pom)?.[1] ?? "?";
  const have = await Deno.readTextFile(marker).catch(() => "");
  if (have.trim() === wanted) return;
  await requireCommand("mvn", ["-v"], "fetch Kafka's jars (once)", "apt-get install maven");
  say(`Resolving Apache Kafka ${wanted} from Maven Central (once) ...`);
  await Deno.remove(LIBS, { recursive: true }).catch(() => {});
  const out = await run("mvn", [
    "-q",
    "-B",
    "-f",
    `${INFRA}pom.xml`,
    "dependency:copy-dependencies",
    `-DoutputDirectory=${LIBS}`,
    "-DincludeScope=runtime",
  ]);
  if (out.code !== 0) {
    throw new ProvisionError(
      `Maven could not resolve Kafka ${wanted}:\n${(out.stdout + out.stderr).slice(-2000)}`,
    );
  }
  await Deno.writeTextFile(marker, wanted);
}

async function writeServerProperties(host: string, port: number, variant?: BrokerVariant) {
  const b = brokerDir(port);
  await Deno.mkdir(b.data, { recursive: true });
  const text = variant
    ? await variant.serverProperties(host, port, b.data)
    : (await Deno.readTextFile(`${INFRA}server.properties`)).replaceAll("{{HOST}}", host)
      .replaceAll("{{PORT}}", String(port)).replaceAll("{{CONTROLLER_PORT}}", String(port + 1))
      .replaceAll("{{DATA_DIR}}", b.data);
  await Deno.writeTextFile(`${b.dir}server.properties`, text);
}

async function formatStorage(port: number, say: (line: string) => void, variant?: BrokerVariant) {
  const b = brokerDir(port);
  const formatted = await Deno.stat(`${b.data}/meta.properties`).then(() => true, () => false);
  if (formatted) return;
  const cp = `${LIBS}/*`;
  const log4j = `-Dlog4j.configuration=file:${INFRA}log4j.properties`;
  const uuid = await run("java", [log4j, "-cp", cp, "kafka.tools.StorageTool", "random-uuid"]);
  const clusterId = uuid.stdout.trim().split("\n").pop() ?? "";
  const args = [
    log4j,
    "-cp",
    cp,
    "kafka.tools.StorageTool",
    "format",
    "-t",
    clusterId,
    "-c",
    `${b.dir}server.properties`,
    ...await variant?.secretFormatArgs() ?? [],
  ];
  // The arguments go in a file of this user (java @file), so `ps` shows no password in them.
  const argFile = `${b.dir}format.args`;
  await Deno.writeTextFile(argFile, args.map(javaArgFileWord).join("\n") + "\n", { mode: 0o600 });
  const out = await run("java", [`@${argFile}`]).finally(() => Deno.remove(argFile));
  if (out.code !== 0) {
    const said = `${out.stdout}${out.stderr}`.replace(/password=[^,\]\s]*/g, "password=***");
    throw new ProvisionError(`Formatting Kafka storage failed:\n${said}`);
  }
  say(`Formatted Kafka storage in ${b.data} (cluster ${clusterId})`);
}

/** One argument in a java @file: quoted, with backslashes and quotes escaped. */
function javaArgFileWord(arg: string): string {
  return `"${arg.replaceAll("\\", "\\\\").replaceAll('"', '\\"')}"`;
}

async function waitForBroker(
  brokers: string[],
  pid: number,
  log: string,
  variant?: BrokerVariant,
  timeoutMs = 90_000,
) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (!alive(pid)) {
      throw new ProvisionError(`Kafka exited during start-up; last lines of ${log}:\n${tail(log)}`);
    }
    if (await brokerAnswers(brokers, 1000)) {
      const kafka = variant?.readinessClient(brokers) ?? createKafka(brokers, "sales-stream-up");
      const admin = kafka.admin();
      try {
        await admin.connect();
        await admin.describeCluster();
        return;
      } catch {
        // listening but not ready yet
      } finally {
        await admin.disconnect().catch(() => {});
      }
    }
    await sleep(500);
  }
  throw new ProvisionError(
    `Kafka did not answer within ${timeoutMs / 1000} s; see ${log}:\n${tail(log)}`,
  );
}
