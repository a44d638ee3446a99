import assert from "node:assert/strict";
import {
  AclOperationTypes,
  AclPermissionTypes,
  AclResourceTypes,
  ResourcePatternTypes,
} from "kafkajs";
import { LOCAL_DIR, ProvisionError } from "../../lib/infra/process.ts";
import {
  KAFKA_USERS,
  localKafkaSettings,
  projectAcls,
  secureKafkaUp,
} from "../../lib/provision/kafka_security.ts";
import { LOCAL_CA_FILE } from "../../lib/provision/tls.ts";

const NAMES = {
  salesTopic: "sales",
  dlqTopic: "sales.dlq",
  consumerGroup: "sales-consumer",
  reportsGroup: "sales-reports",
  reportTopics: ["r_total", "r_city"],
  readerGroups: ["sales-dashboard-reports-"],
};

Deno.test("projectAcls() gives each user only what its process needs, and no user anything else", () => {
  const acls = projectAcls(NAMES);
  const nameOf = (kind: object) => new Map(Object.entries(kind).map(([name, n]) => [n, name]));
  const ops = nameOf(AclOperationTypes), resources = nameOf(AclResourceTypes);
  const rights = new Map<string, string[]>();
  for (const acl of acls) {
    assert.equal(acl.host, "*");
    assert.equal(acl.permissionType, AclPermissionTypes.ALLOW, "allow rules only: deny by default");
    const prefixed = acl.resourcePatternType === ResourcePatternTypes.PREFIXED;
    if (!prefixed) assert.equal(acl.resourcePatternType, ResourcePatternTypes.LITERAL);
    const user = acl.principal.replace(/^User:/, "");
    rights.set(user, [
      ...rights.get(user) ?? [],
      `${ops.get(acl.operation)} ${resources.get(acl.resourceType)} ${acl.resourceName}${
        prefixed ? "*" : ""
      }`,
    ]);
  }
  assert.deepEqual(Object.fromEntries(rights), {
    producer: ["WRITE TOPIC sales"],
    consumer: ["READ TOPIC sales", "READ GROUP sales-consumer", "WRITE TOPIC sales.dlq"],
    reports: [
      "READ TOPIC sales",
      "READ GROUP sales-reports*",
      "WRITE TRANSACTIONAL_ID sales-reports*",
      "ALL TOPIC sales-reports*",
      "READ TOPIC r_total",
      "WRITE TOPIC r_total",
      "READ TOPIC r_city",
      "WRITE TOPIC r_city",
    ],
    dashboard: [
      "DESCRIBE TOPIC sales",
      "READ TOPIC r_total",
      "READ TOPIC r_city",
      "READ GROUP sales-dashboard-reports-*",
    ],
  });
  assert.ok(!rights.has("admin"), "the administrator needs no ACL (it is a super user)");
});

Deno.test("localKafkaSettings() logs a process in as its user with SCRAM over TLS, its password in a file of its own", () => {
  const files = new Set<string>();
  for (const user of KAFKA_USERS) {
    const settings = localKafkaSettings(9492, user);
    assert.deepEqual(settings, {
      KAFKA_SECURITY_PROTOCOL: "SASL_SSL",
      KAFKA_SASL_MECHANISM: "SCRAM-SHA-512",
      KAFKA_USERNAME: user,
      KAFKA_PASSWORD_FILE: `${LOCAL_DIR}secrets/kafka-9492/${user}.password`,
      KAFKA_CA_FILE: LOCAL_CA_FILE,
    });
    files.add(settings.KAFKA_PASSWORD_FILE);
  }
  assert.equal(files.size, KAFKA_USERS.length);
  assert.notEqual(
    localKafkaSettings(9492, "producer").KAFKA_PASSWORD_FILE,
    localKafkaSettings(9592, "producer").KAFKA_PASSWORD_FILE,
    "each broker's passwords apart",
  );
});

Deno.test("secureKafkaUp() refuses a broker on another machine before touching anything", async () => {
  const said: string[] = [];
  await assert.rejects(
    secureKafkaUp(["kafka.example:9092"], (line) => said.push(line)),
    (error: Error) =>
      error instanceof ProvisionError &&
      error.message ===
        "--secure starts and sets up the local secured broker; kafka.example:9092 is not on this machine (for a secured cluster of your own, give each process its settings: see the README)",
  );
  assert.deepEqual(said, []);
});
