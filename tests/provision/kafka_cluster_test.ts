import assert from "node:assert/strict";
import { ConfigError } from "../../lib/infra/settings.ts";
import { clusterNodes, fleetClusters, nodeAddresses } from "../../lib/provision/kafka_cluster.ts";

Deno.test("clusterNodes() takes KAFKA_BROKERS' addresses, or one address and the next even ports, controllers on port + 1", () => {
  assert.deepEqual(clusterNodes(["localhost:9092"], 3), [
    { nodeId: 1, host: "localhost", port: 9092, controllerPort: 9093 },
    { nodeId: 2, host: "localhost", port: 9094, controllerPort: 9095 },
    { nodeId: 3, host: "localhost", port: 9096, controllerPort: 9097 },
  ]);
  assert.deepEqual(clusterNodes(["a:9100", "b:9300"], 2), [
    { nodeId: 1, host: "a", port: 9100, controllerPort: 9101 },
    { nodeId: 2, host: "b", port: 9300, controllerPort: 9301 },
  ]);
  assert.deepEqual(clusterNodes(["localhost:9092"], 1), [
    { nodeId: 1, host: "localhost", port: 9092, controllerPort: 9093 },
  ]);
  assert.deepEqual(nodeAddresses(clusterNodes(["localhost:29092"], 3)), [
    "localhost:29092",
    "localhost:29094",
    "localhost:29096",
  ]);
});

Deno.test("clusterNodes() refuses a list of another length, ports that collide with a controller, and ports past 65535", () => {
  const refused = (brokers: string[], size: number) => {
    try {
      clusterNodes(brokers, size);
    } catch (error) {
      assert.ok(error instanceof ConfigError, String(error));
      return (error as ConfigError).message;
    }
    assert.fail(`accepted ${brokers} for ${size}`);
  };
  assert.equal(
    refused(["localhost:29092", "localhost:29094"], 3),
    "KAFKA_BROKERS lists 2 brokers for a cluster of 3: list 3, or one (the others then take the next even ports)",
  );
  assert.equal(
    refused(["localhost:29092", "localhost:29093"], 2),
    "KAFKA_BROKERS localhost:29092,localhost:29093: each broker needs its port and the next one (its controller) free of the others, all at most 65535",
  );
  assert.match(
    refused(["localhost:65532"], 3),
    /^KAFKA_BROKERS localhost:65532,localhost:65534,localhost:65536: /,
  );
});

Deno.test("fleetClusters() gives each release a cluster of three, 10000 ports above the previous one", () => {
  assert.deepEqual(
    fleetClusters(["4.4.0", "3.9.1"], 29092).map((c) => [c.version, nodeAddresses(c.nodes)]),
    [
      ["4.4.0", ["localhost:29092", "localhost:29094", "localhost:29096"]],
      ["3.9.1", ["localhost:39092", "localhost:39094", "localhost:39096"]],
    ],
  );
  assert.deepEqual(fleetClusters([], 29092), []);
  assert.deepEqual(nodeAddresses(fleetClusters(["3.9.1"], 50000)[0]!.nodes), [
    "localhost:50000",
    "localhost:50002",
    "localhost:50004",
  ]);
  assert.throws(
    () => fleetClusters(["4.4.0", "3.9.1"], 60000),
    new ConfigError(
      "FLEET_KAFKA_PORT 60000 leaves no room for 2 clusters of 3 brokers (each 10000 ports above the previous one) below 65536",
    ),
  );
  assert.equal(fleetClusters(["4.4.0"], 65530).length, 1, "one cluster fits up to 65535");
});
