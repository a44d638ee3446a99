import assert from "node:assert/strict";
import { brokerAnswers } from "../../lib/infra/kafka.ts";
import { config } from "../support/services.ts";
import { runScript } from "../support/tasks.ts";

Deno.test("a bad cluster size, Kafka release or cluster address list is refused in one line, exit 2, nothing started", async () => {
  const cases: [string, string[], Record<string, string>, RegExp][] = [
    [
      "scripts/up.ts",
      ["--cluster-size", "0"],
      {},
      /--cluster-size must be a whole number of brokers from 1 to 5, got "0"/,
    ],
    [
      "scripts/up.ts",
      ["--cluster-size=-1"],
      {},
      /--cluster-size must be a whole number of brokers from 1 to 5, got "-1"/,
    ],
    [
      "scripts/up.ts",
      ["--cluster-size", "x"],
      {},
      /--cluster-size must be a whole number of brokers from 1 to 5, got "x"/,
    ],
    [
      "scripts/up.ts",
      ["--cluster-size", "6"],
      {},
      /--cluster-size must be a whole number of brokers from 1 to 5, got "6"/,
    ],
    ["scripts/up.ts", ["--cluster-size", "2.5"], {}, /got "2.5"/],
    ["scripts/down.ts", ["--cluster-size", "0"], {}, /--cluster-size must be a whole number/],
    [
      "scripts/up.ts",
      [],
      { KAFKA_CLUSTER_SIZE: "three" },
      /KAFKA_CLUSTER_SIZE must be a whole number of brokers from 1 to 5, got "three"/,
    ],
    [
      "scripts/down.ts",
      [],
      { KAFKA_CLUSTER_SIZE: "-1" },
      /KAFKA_CLUSTER_SIZE must be a whole number/,
    ],
    [
      "scripts/up.ts",
      ["--kafka-version", "5.0.0"],
      {},
      /--kafka-version takes 4\.4\.0 or 3\.9\.1, got "5\.0\.0"/,
    ],
    [
      "scripts/up.ts",
      [],
      { KAFKA_VERSION: "latest" },
      /KAFKA_VERSION takes 4\.4\.0 or 3\.9\.1, got "latest"/,
    ],
    [
      "scripts/up.ts",
      ["--cluster-size", "3", "--brokers", "localhost:29092,localhost:29094"],
      {},
      /KAFKA_BROKERS lists 2 brokers for a cluster of 3: list 3, or one/,
    ],
    [
      "scripts/up.ts",
      ["--cluster-size", "2", "--brokers", "localhost:29092,localhost:29093"],
      {},
      /each broker needs its port and the next one \(its controller\)/,
    ],
    ["scripts/up.ts", ["--cluster-size", "3", "--secure"], {}, /--secure starts one broker/],
    [
      "scripts/test.ts",
      [],
      { FLEET_KAFKA_VERSIONS: "4.4.0,2.8" },
      /FLEET_KAFKA_VERSIONS lists "2\.8"; the releases are 4\.4\.0, 3\.9\.1/,
    ],
    [
      "scripts/test.ts",
      [],
      { FLEET_KAFKA_PORT: "ninety" },
      /FLEET_KAFKA_PORT must be a port from 1024 to 65535, got "ninety"/,
    ],
    [
      "scripts/test.ts",
      [],
      { FLEET_KAFKA_PORT: "60000" },
      /FLEET_KAFKA_PORT 60000 leaves no room for 2 clusters of 3 brokers/,
    ],
  ];
  for (const [script, args, env, message] of cases) {
    const what = `${script} ${args.join(" ")} ${JSON.stringify(env)}`;
    const { code, stdout, stderr } = await runScript(script, args, env);
    assert.equal(code, 2, what);
    assert.match(stderr, /^error: /, what);
    assert.match(stderr.split("\n")[0]!, message, what);
    assert.doesNotMatch(stderr, /\n\s+at /, `${what}: no stack trace`);
    assert.equal(stdout, "", `${what}: nothing started`);
  }
  assert.ok(await brokerAnswers(config.kafkaBrokers), "the broker still runs");
});
