/**
 * A local Kafka cluster of several brokers (`deno task up --cluster-size 3`): where each node
 * listens, starting the missing ones with one cluster id, waiting until all have joined, stopping
 * them; and the clusters of the fault test.
 */
import { ConfigError, DEFAULT_KAFKA_VERSION, type KafkaVersion } from "../infra/settings.ts";
import { brokerAnswers, createKafka } from "../infra/kafka.ts";
import { alive, isLocalHost, ProvisionError, tail } from "../infra/process.ts";
import { sleep } from "../core/async.ts";
import {
  brokerDir,
  kafkaDown,
  newClusterId,
  ourPid,
  resolveKafkaJars,
  startBroker,
} from "./kafka_broker.ts";

/** Heap of each broker of a local cluster (a broker alone gets 1 GB). */
const CLUSTER_HEAP = "384m";

/** One node of a local cluster: node id, client address and controller port (client port + 1). */
export interface ClusterNode {
  nodeId: number;
  host: string;
  port: number;
  controllerPort: number;
}

/**
 * The nodes of a cluster of `size` from KAFKA_BROKERS: its `size` addresses, or, when it has one,
 * that address and the next even ports (9092 → 9092, 9094, 9096; controllers on port + 1).
 */
export function clusterNodes(brokers: string[], size: number): ClusterNode[] {
  const addresses = brokers.length === size
    ? brokers
    : brokers.length === 1
    ? Array.from({ length: size }, (_, i) => {
      const [host, port] = brokers[0]!.split(":") as [string, string];
      return `${host}:${Number(port) + 2 * i}`;
    })
    : undefined;
  if (!addresses) {
    throw new ConfigError(
      `KAFKA_BROKERS lists ${brokers.length} brokers for a cluster of ${size}: list ${size}, ` +
        "or one (the others then take the next even ports)",
    );
  }
  const nodes = addresses.map((address, i) => {
    const [host, port] = address.split(":") as [string, string];
    return { nodeId: i + 1, host, port: Number(port), controllerPort: Number(port) + 1 };
  });
  const ports = nodes.flatMap((n) => [n.port, n.controllerPort]);
  if (new Set(ports).size !== ports.length || ports.some((p) => p > 65535)) {
    throw new ConfigError(
      `KAFKA_BROKERS ${addresses.join(",")}: each broker needs its port and the next one ` +
        "(its controller) free of the others, all at most 65535",
    );
  }
  return nodes;
}

/**
 * The local 3-broker clusters of the fault test, one per release: the first from `port`
 * (FLEET_KAFKA_PORT), each next 10000 ports higher.
 */
export function fleetClusters(versions: KafkaVersion[], port: number) {
  // The last cluster's last controller: 3 brokers on every other port, each controller on + 1.
  if (port + 10_000 * (versions.length - 1) + 5 > 65535) {
    throw new ConfigError(
      `FLEET_KAFKA_PORT ${port} leaves no room for ${versions.length} clusters of 3 brokers ` +
        "(each 10000 ports above the previous one) below 65536",
    );
  }
  return versions.map((version, i) => ({
    version,
    nodes: clusterNodes([`localhost:${port + 10_000 * i}`], 3),
  }));
}

/** The client addresses of the nodes, as KAFKA_BROKERS lists them. */
export function nodeAddresses(nodes: ClusterNode[]): string[] {
  return nodes.map((n) => `${n.host}:${n.port}`);
}

/** The replication of a cluster of n brokers: factor min(3, n), 2 in sync when there are 3. */
function replicationOf(n: number) {
  const replication = Math.min(3, n);
  return { replication, minInsync: replication >= 3 ? 2 : 1 };
}

/**
 * Makes sure every node of the cluster answers and has joined it, starting the local ones that
 * do not (all with one cluster id, their storage formatted on first start).
 */
export async function kafkaClusterUp(
  nodes: ClusterNode[],
  say: (line: string) => void,
  version: KafkaVersion = DEFAULT_KAFKA_VERSION,
): Promise<void> {
  const brokers = nodeAddresses(nodes);
  const down: ClusterNode[] = [];
  for (const node of nodes) {
    if (!await brokerAnswers([`${node.host}:${node.port}`])) down.push(node);
  }
  for (const node of down) {
    if (!isLocalHost(node.host)) {
      throw new ProvisionError(
        `Kafka at ${node.host}:${node.port} does not answer, and it is not on this machine; ` +
          "start it or fix KAFKA_BROKERS",
      );
    }
  }
  if (down.length > 0) {
    await resolveKafkaJars(version, say);
    const clusterId = await existingClusterId(nodes) ?? await newClusterId(version);
    const voters = nodes.map((n) => `${n.nodeId}@${ipOf(n.host)}:${n.controllerPort}`).join(",");
    // Formatted and started side by side: each format is a JVM of a few seconds.
    const pids = new Map(
      await Promise.all(down.map(async (node) => {
        const role = { nodeId: node.nodeId, voters, clusterId, ...replicationOf(nodes.length) };
        const options = { version, role, heap: CLUSTER_HEAP };
        return [
          node.port,
          await startBroker(node.host, node.port, say, undefined, options),
        ] as const;
      })),
    );
    await waitForCluster(brokers, nodes.length, pids);
  }
  say(`Kafka cluster of ${nodes.length} brokers answers at ${brokers.join(",")}`);
}

/** Starts one node of a cluster again (after a crash) and waits until it has rejoined. */
export async function restartClusterNode(
  nodes: ClusterNode[],
  node: ClusterNode,
  version: KafkaVersion,
): Promise<void> {
  const voters = nodes.map((n) => `${n.nodeId}@${ipOf(n.host)}:${n.controllerPort}`).join(",");
  const role = { nodeId: node.nodeId, voters, ...replicationOf(nodes.length) };
  const pid = await startBroker(node.host, node.port, () => {}, undefined, {
    version,
    role,
    heap: CLUSTER_HEAP,
  });
  await waitForCluster(nodeAddresses(nodes), nodes.length, new Map([[node.port, pid]]));
}

/** Stops the nodes of the cluster that this project started (SIGTERM, clean shutdown). */
export async function kafkaClusterDown(
  nodes: ClusterNode[],
  say: (line: string) => void,
): Promise<void> {
  // All at once: a node stopped after the quorum has lost its majority would wait for it.
  await Promise.all(nodes.map((node) => kafkaDown([`${node.host}:${node.port}`], say)));
}

/** The pid of the running node this project started, if any. */
export function nodePid(node: ClusterNode): number | undefined {
  return ourPid(node.port);
}

function ipOf(host: string): string {
  return host === "localhost" ? "127.0.0.1" : host;
}

/** The cluster id in a formatted node's meta.properties, if any node is formatted. */
async function existingClusterId(nodes: ClusterNode[]): Promise<string | undefined> {
  for (const node of nodes) {
    const meta = await Deno.readTextFile(`${brokerDir(node.port).data}/meta.properties`)
      .catch(() => "");
    const id = /^cluster\.id=(.+)$/m.exec(meta)?.[1]?.trim();
    if (id) return id;
  }
  return undefined;
}

/** Waits until the cluster describes `size` brokers; fails when a started node exits. */
async function waitForCluster(
  brokers: string[],
  size: number,
  pids: Map<number, number>,
  timeoutMs = 120_000,
) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    for (const [port, pid] of pids) {
      if (!alive(pid)) {
        const log = brokerDir(port).log;
        throw new ProvisionError(
          `Kafka on port ${port} exited during start-up; ${log}:\n${tail(log)}`,
        );
      }
    }
    const admin = createKafka(brokers, "sales-stream-up", { connectTimeoutMs: 1000 }).admin({
      retry: { retries: 0 },
    });
    try {
      await admin.connect();
      const { brokers: joined } = await admin.describeCluster();
      if (joined.length >= size) return;
    } catch {
      // not all listening yet
    } finally {
      await admin.disconnect().catch(() => {});
    }
    await sleep(500);
  }
  throw new ProvisionError(
    `the Kafka cluster at ${brokers.join(",")} did not gather ${size} brokers within ` +
      `${timeoutMs / 1000} s; see the kafka.log files in .local/kafka-<port>/`,
  );
}
