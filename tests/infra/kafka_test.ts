import assert from "node:assert/strict";
import { loadKafkaSecurity } from "../../lib/infra/config.ts";
import { createKafka, kafkaConsumerJoined, kafkajsSecurity } from "../../lib/infra/kafka.ts";
import { configureLogging, resetLogging } from "../../lib/infra/log.ts";
import { CERT, KEY, SASL, SECRET } from "../support/secret_files.ts";

Deno.test("kafkajs gets TLS with verification and the SASL login; PLAINTEXT gets neither", () => {
  assert.deepEqual(kafkajsSecurity(loadKafkaSecurity({})), {});
  const ssl = kafkajsSecurity(loadKafkaSecurity({ KAFKA_SECURITY_PROTOCOL: "SSL" }));
  assert.deepEqual(ssl, { ssl: { rejectUnauthorized: true } }, "no CA: the system's roots");
  const sasl = kafkajsSecurity(loadKafkaSecurity({
    ...SASL,
    KAFKA_SASL_MECHANISM: "scram-sha-256",
    KAFKA_CERT_FILE: CERT,
    KAFKA_KEY_FILE: KEY,
  }));
  assert.deepEqual(sasl.sasl, {
    mechanism: "scram-sha-256",
    username: "producer",
    password: SECRET,
  });
  const tls = sasl.ssl as { rejectUnauthorized: boolean; ca: string[]; cert: string; key: string };
  assert.equal(tls.rejectUnauthorized, true);
  assert.match(tls.ca[0]!, /BEGIN CERTIFICATE/);
  assert.match(tls.key, /BEGIN PRIVATE KEY/);
});

Deno.test("kafkajs' lines go through the logger: a starting coordinator told once as information, a crash and its restart as one line with the next try's time, then once that Kafka answers again", () => {
  const lines: string[] = [];
  const [log, error] = [console.log, console.error];
  console.log = (line: string) => lines.push(line);
  console.error = (line: string) => lines.push(line);
  try {
    configureLogging("json");
    const consumer = createKafka(["127.0.0.1:1"], "log-test").logger().namespace("Consumer");
    for (let i = 0; i < 5; i++) {
      consumer.error(
        "Crash: KafkaJSProtocolError: The coordinator is loading and hence can't process requests",
        { groupId: "g" },
      );
      consumer.error("Restarting the consumer in 300ms", { retryTime: 300 });
    }
    const before = Date.now();
    consumer.error("Crash: KafkaJSNumberOfRetriesExceeded: Connection error: ECONNREFUSED", {});
    consumer.error("Restarting the consumer in 30000ms", { retryTime: 30000 });
    kafkaConsumerJoined();
    kafkaConsumerJoined();
    const events = lines.map((l) => JSON.parse(l));
    assert.deepEqual(events.map((e) => [e.level, e.logger]), [
      ["INFO", "sales.kafka"],
      ["WARN", "sales.kafka"],
      ["INFO", "sales.kafka"],
    ], lines.join("\n"));
    assert.match(
      events[0].msg,
      /^Kafka's group coordinator is still starting \(.*loading.*\); waiting for it$/,
    );
    assert.match(
      events[1].msg,
      /^Kafka consumer stopped \(KafkaJSNumberOfRetriesExceeded: Connection error: ECONNREFUSED\); trying again at \S+Z \(in 30000 ms\)$/,
    );
    const at = Date.parse(events[1].retry_at);
    assert.ok(at >= before + 30_000 && at <= Date.now() + 30_000, events[1].retry_at);
    assert.match(
      events[2].msg,
      /^Kafka answers again; the consumer rejoined its group after [\d.]+ s$/,
    );
  } finally {
    resetLogging();
    console.log = log;
    console.error = error;
  }
});
