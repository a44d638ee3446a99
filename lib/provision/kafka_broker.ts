/**
 * The local Kafka broker: jars of the chosen release from Maven Central, KRaft storage format,
 * start, wait, stop. One broker alone or one node of a cluster (lib/provision/kafka_cluster.ts).
 */
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
import { DEFAULT_KAFKA_VERSION, KAFKA_VERSIONS, type KafkaVersion } from "../infra/settings.ts";
import { sleep } from "../core/async.ts";

const INFRA = new URL("../../infra/kafka/", import.meta.url).pathname;

/** The Maven pom that resolves a release's jars. */
function pomOf(version: KafkaVersion): string {
  return version === "3.9.1" ? `${INFRA}3.9/pom.xml` : `${INFRA}pom.xml`;
}

/** Where a release's jars are copied (the classpath of its broker and tools). */
export function kafkaLibsDir(version: KafkaVersion = DEFAULT_KAFKA_VERSION): string {
  return `${LOCAL_DIR}kafka-libs/${version}`;
}

/** The JVM flag pointing Kafka's logging at its config: log4j 2 from Kafka 4, log4j 1 before. */
function loggingFlag(version: KafkaVersion): string {
  return version.startsWith("3.")
    ? `-Dlog4j.configuration=file:${INFRA}log4j.properties`
    : `-Dlog4j2.configurationFile=${INFRA}log4j2.properties`;
}

/**
 * A broker's place in its cluster: its node id, the controller quorum (`id@host:port,...`), the
 * replication of Kafka's internal topics, and the cluster id shared by every node's storage.
 * A broker alone is node 1, its own quorum, replication 1.
 */
export interface ClusterRole {
  nodeId: number;
  voters: string;
  replication: number;
  minInsync: number;
  clusterId?: string;
}

/** How a broker runs: its release, its place in a cluster and its heap. */
export interface BrokerOptions {
  version?: KafkaVersion;
  role?: ClusterRole;
  /** -Xmx of the JVM (default 1g for a broker alone) */
  heap?: string;
}

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
  options: BrokerOptions = {},
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
  const version = options.version ?? DEFAULT_KAFKA_VERSION;
  const pid = await startBroker(host, Number(portText), say, variant, options);
  await waitForBroker(brokers, pid, brokerDir(Number(portText)).log, variant);
  say(`Kafka ${version} answers at ${brokers.join(",")}`);
}

/** Formats (when new) and starts the broker at host:port without waiting; returns its pid. */
export async function startBroker(
  host: string,
  port: number,
  say: (line: string) => void,
  variant?: BrokerVariant,
  options: BrokerOptions = {},
): Promise<number> {
  const version = options.version ?? DEFAULT_KAFKA_VERSION;
  await requireJava17("run Kafka");
  await resolveKafkaJars(version, say);
  const b = brokerDir(port);
  const role = options.role ?? { nodeId: 1, voters: "", replication: 1, minInsync: 1 };
  await writeServerProperties(host === "localhost" ? "127.0.0.1" : host, port, role, variant);
  await formatStorage(port, version, role.clusterId, say, variant);
  const heap = options.heap ?? "1g";
  const pid = startDetached("java", [
    `-Xms${heap === "1g" ? "256m" : heap}`,
    `-Xmx${heap}`,
    "-XX:+UseG1GC",
    loggingFlag(version),
    "-cp",
    `${kafkaLibsDir(version)}/*`,
    "kafka.Kafka",
    `${b.dir}server.properties`,
  ], b.log);
  await Deno.writeTextFile(b.pidFile, String(pid));
  say(`Starting Kafka ${version} (pid ${pid}, log ${b.log}) ...`);
  return pid;
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
  const version = await brokerVersion(firstPort(brokers));
  await kafkaDown(brokers, () => {});
  await kafkaUp(brokers, () => {}, undefined, { version });
}

/** The release the broker on that port was last started with (recorded in its folder). */
async function brokerVersion(port: number): Promise<KafkaVersion> {
  const text = await Deno.readTextFile(`${brokerDir(port).dir}version`).catch(() => "");
  const known = KAFKA_VERSIONS.find((v) => v === text.trim());
  return known ?? DEFAULT_KAFKA_VERSION;
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

/** Copies a release's jars from Maven Central into kafkaLibsDir(version), once. */
export async function resolveKafkaJars(version: KafkaVersion, say: (line: string) => void) {
  const libs = kafkaLibsDir(version);
  const marker = `${libs}/.resolved`;
  const pom = await Deno.readTextFile(pomOf(version));
  const wanted = /<kafka\.version>([^<]+)</.exec(pom)?.[1] ?? "?";
  const have = await Deno.readTextFile(marker).catch(() => "");
  if (have.trim() === wanted) return;
  await requireCommand("mvn", ["-v"], "fetch Kafka's jars (once)", "apt-get install maven");
  say(`Resolving Apache Kafka ${wanted} from Maven Central (once) ...`);
  await Deno.remove(libs, { recursive: true }).catch(() => {});
  const out = await run("mvn", [
    "-q",
    "-B",
    "-f",
    pomOf(version),
    "dependency:copy-dependencies",
    `-DoutputDirectory=${libs}`,
    "-DincludeScope=runtime",
  ]);
  if (out.code !== 0) {
    throw new ProvisionError(
      `Maven could not resolve Kafka ${wanted}:\n${(out.stdout + out.stderr).slice(-2000)}`,
    );
  }
  await Deno.writeTextFile(marker, wanted);
}

async function writeServerProperties(
  host: string,
  port: number,
  role: ClusterRole,
  variant?: BrokerVariant,
) {
  const b = brokerDir(port);
  await Deno.mkdir(b.data, { recursive: true });
  const voters = role.voters || `${role.nodeId}@${host}:${port + 1}`;
  const text = variant
    ? await variant.serverProperties(host, port, b.data)
    : (await Deno.readTextFile(`${INFRA}server.properties`)).replaceAll("{{HOST}}", host)
      .replaceAll("{{PORT}}", String(port)).replaceAll("{{CONTROLLER_PORT}}", String(port + 1))
      .replaceAll("{{DATA_DIR}}", b.data).replaceAll("{{NODE_ID}}", String(role.nodeId))
      .replaceAll("{{VOTERS}}", voters).replaceAll("{{REPLICATION}}", String(role.replication))
      .replaceAll("{{MIN_INSYNC}}", String(role.minInsync));
  await Deno.writeTextFile(`${b.dir}server.properties`, text);
}

/** A new KRaft cluster id, from Kafka's own tool. */
export async function newClusterId(version: KafkaVersion = DEFAULT_KAFKA_VERSION) {
  const cp = `${kafkaLibsDir(version)}/*`;
  const uuid = await run("java", [
    loggingFlag(version),
    "-cp",
    cp,
    "kafka.tools.StorageTool",
    "random-uuid",
  ]);
  return uuid.stdout.trim().split("\n").pop() ?? "";
}

async function formatStorage(
  port: number,
  version: KafkaVersion,
  givenClusterId: string | undefined,
  say: (line: string) => void,
  variant?: BrokerVariant,
) {
  const b = brokerDir(port);
  await Deno.writeTextFile(`${b.dir}version`, version);
  const formatted = await Deno.stat(`${b.data}/meta.properties`).then(() => true, () => false);
  if (formatted) return;
  const cp = `${kafkaLibsDir(version)}/*`;
  const log4j = loggingFlag(version);
  const clusterId = givenClusterId ?? await newClusterId(version);
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
