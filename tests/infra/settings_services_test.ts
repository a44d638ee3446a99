import assert from "node:assert/strict";
import { brokerAnswers } from "../../lib/infra/kafka.ts";
import { config } from "../support/services.ts";
import { runScript } from "../support/tasks.ts";

Deno.test("a secret in a flag, or a bad security setting, is refused in one sentence naming the setting, exit 2, never shown", async () => {
  const secret = `s3cret-${crypto.randomUUID()}`;
  const notPem = await Deno.makeTempFile();
  const empty = await Deno.makeTempFile();
  await Deno.writeTextFile(notPem, secret);
  const sasl = {
    KAFKA_SECURITY_PROTOCOL: "SASL_SSL",
    KAFKA_USERNAME: "producer",
    KAFKA_PASSWORD_FILE: "/nonexistent/password",
  };
  const cases: [string, string[], Record<string, string>, RegExp][] = [
    [
      "producer.ts",
      [`--kafka-password=${secret}`],
      {},
      /^error: --kafka-password is not accepted: process arguments are visible to every user of this machine; put the secret in a file and set KAFKA_PASSWORD_FILE$/,
    ],
    [
      "main.ts",
      ["--dashboard-token", secret],
      {},
      /^error: --dashboard-token is not accepted: .*set DASHBOARD_TOKEN_FILE$/,
    ],
    [
      "consumer.ts",
      ["--database-url", `postgres://postgres:${secret}@localhost/sales`],
      {},
      /^error: --database-url holds a password, .*DATABASE_PASSWORD_FILE$/,
    ],
    [
      "producer.ts",
      [],
      sasl,
      /^error: KAFKA_PASSWORD_FILE=\/nonexistent\/password cannot be read \(no such file\)$/,
    ],
    [
      "reports.ts",
      ["--kafka-security-protocol", "SSL", "--kafka-ca-file", notPem],
      {},
      /^error: KAFKA_CA_FILE=.* holds no PEM certificate/,
    ],
    [
      "consumer.ts",
      [],
      { KAFKA_SECURITY_PROTOCOL: "PLAINTEXT", KAFKA_PASSWORD: secret },
      /^error: KAFKA_PASSWORD is set but KAFKA_SECURITY_PROTOCOL is PLAINTEXT/,
    ],
    [
      "main.ts",
      [],
      { DASHBOARD_TOKEN_FILE: "/nonexistent/token" },
      /^error: DASHBOARD_TOKEN_FILE=\/nonexistent\/token cannot be read/,
    ],
    [
      "consumer.ts",
      [],
      { CARD_HASH_SECRET_FILE: "/nonexistent/key" },
      /^error: CARD_HASH_SECRET_FILE=\/nonexistent\/key cannot be read/,
    ],
    [
      "reports.ts",
      [],
      { CARD_HASH_SECRET: "short" },
      /^error: CARD_HASH_SECRET holds fewer than 16 characters/,
    ],
    [
      "consumer.ts",
      [],
      { CONSUMER_DATABASE_PASSWORD_FILE: empty },
      /^error: CONSUMER_DATABASE_PASSWORD_FILE=.* is empty$/,
    ],
    [
      "scripts/up.ts",
      ["--secure"],
      { DATABASE_CA_FILE: notPem },
      /^error: DATABASE_CA_FILE=.* holds no PEM certificate/,
    ],
  ];
  try {
    const results = await Promise.all(
      cases.map(([script, args, env]) => runScript(script, args, env)),
    );
    results.forEach(({ code, stdout, stderr }, i) => {
      const [script, args, , pattern] = cases[i]!;
      const label = `${script} ${args.join(" ")}`;
      assert.equal(code, 2, `${label}: ${stderr}`);
      // (Deno itself may say it downloads or initialises something first.)
      const said = stderr.split("\n").filter((l) => !/^(Download|Initialize|Warning) /.test(l));
      assert.match(said[0]!, pattern, `${label}: ${stderr}`);
      assert.doesNotMatch(stderr, /\n\s+at /, `${label}: no stack trace`);
      assert.ok(!`${stdout}${stderr}`.includes(secret), `${label} shows the secret`);
    });
  } finally {
    await Deno.remove(notPem);
    await Deno.remove(empty);
  }
  assert.ok(await brokerAnswers(config.kafkaBrokers), "the broker still runs");
});
