/**
 * The table of settings (lib/infra/settings.ts): each task's --help lists exactly the settings
 * the table says it reads, refuses the flags of the others, and refuses a bad value of each
 * setting in one sentence naming it (exit 2); the README's Settings table is the table; the
 * typed settings hold only what a task reads; and no product code reads the environment but the
 * settings module.
 */
import assert from "node:assert/strict";
import { loadTaskConfig } from "../../lib/infra/config.ts";
import {
  ConfigError,
  flagsOf,
  kafkaVersionList,
  keysOf,
  readSetting,
  type Setting,
  SETTING_KEYS,
  settingDefault,
  type SettingKey,
  SETTINGS,
  type Task,
  TASKS,
} from "../../lib/infra/settings.ts";
import { readmeSettingsTable } from "../../lib/infra/settings_help.ts";

const ROOT = new URL("../../", import.meta.url).pathname;

/** The tasks of deno.json, each with the script it runs. */
const SCRIPTS: Record<string, string> = Object.fromEntries(
  Object.entries(
    (JSON.parse(Deno.readTextFileSync(`${ROOT}deno.json`)) as { tasks: Record<string, string> })
      .tasks,
  ).flatMap(([task, command]) => {
    const script = command.split(/\s+/).find((word) => word.endsWith(".ts"));
    return script ? [[task, script]] : [];
  }),
);

/** Dead addresses, so that nothing a case starts by mistake reaches the shared services. */
const NOWHERE = {
  KAFKA_BROKERS: "127.0.0.1:1",
  DATABASE_URL: "postgres://postgres@127.0.0.1:1/sales",
};

/** Runs a task's script with the arguments and environment; its exit code and output. */
async function runTask(task: Task, args: string[], env: Record<string, string> = {}) {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", `${ROOT}${SCRIPTS[task]}`, ...args],
    cwd: ROOT,
    env: { NO_COLOR: "1", METRICS_PORT: "0", ...env },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const timer = setTimeout(() => child.kill("SIGKILL"), 120_000);
  const out = await child.output();
  clearTimeout(timer);
  const decoder = new TextDecoder();
  return { code: out.code, stdout: decoder.decode(out.stdout), stderr: decoder.decode(out.stderr) };
}

/** Runs `work` on every item, at most `limit` at a time (two shared cores). */
async function inBatches<T, R>(items: T[], work: (item: T) => Promise<R>, limit = 4) {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += limit) {
    results.push(...await Promise.all(items.slice(i, i + limit).map(work)));
  }
  return results;
}

/** The variables (NAME, or NAME_FILE for a secret) a --help lists in its Settings section. */
function listedSettings(help: string): string[] {
  const start = help.indexOf("\nSettings (");
  assert.ok(start >= 0, `no Settings section in:\n${help}`);
  const section = help.slice(start + 1).split("\n\n")[0]!;
  return [...section.matchAll(/^ {2}([A-Z][A-Z0-9_]*) /gm)].map((m) => m[1]!);
}

/** How a setting is named in --help and the README. */
function variableOf(key: SettingKey): string {
  const declared: Setting = SETTINGS[key];
  return declared.secret ? `${declared.env}_FILE` : declared.env;
}

Deno.test("the table's tasks are deno.json's tasks, and each declaration is consistent", () => {
  assert.deepEqual(
    Object.keys(SCRIPTS).filter((task) => task !== "ok").sort(),
    [...TASKS].sort(),
    "every task of deno.json that runs a script is in TASKS",
  );
  const envs = SETTING_KEYS.map((key) => SETTINGS[key].env);
  assert.equal(new Set(envs).size, envs.length, "each variable is declared once");
  const flags = SETTING_KEYS.flatMap((key) => (SETTINGS[key] as Setting).flag ?? []);
  assert.equal(new Set(flags).size, flags.length, "each flag is declared once");
  const readers = (key: SettingKey) => [...SETTINGS[key].tasks].sort().join(",");
  for (const key of SETTING_KEYS) {
    const declared: Setting = SETTINGS[key];
    assert.ok(declared.tasks.length > 0, `${declared.env} is read by a task`);
    assert.ok(!/[\n]/.test(declared.help) && declared.help.length > 0, `${declared.env}: one line`);
    if (declared.secret) {
      assert.ok(!declared.flag || declared.flag.endsWith("-file"), `${declared.env}: no flag`);
      assert.equal(declared.default, undefined, `${declared.env}: a secret has no default`);
    }
    // Every default is a valid value of its setting.
    if (declared.default !== undefined) settingDefault(key);
  }
  // Kafka's security settings are assembled together, and so is each PostgreSQL login.
  const security = SETTING_KEYS.filter((key) => SETTINGS[key].group === "kafka-security");
  assert.equal(new Set(security.map(readers)).size, 1, "the Kafka security settings go together");
  assert.equal(readers("consumerDatabaseUrl"), readers("consumerDatabasePasswordFile"));
  assert.equal(readers("dashboardDatabaseUrl"), readers("dashboardDatabasePasswordFile"));
  assert.equal(readers("databasePasswordFile"), readers("databaseCaFile"));
  for (const task of TASKS) {
    const keys: SettingKey[] = keysOf(task);
    if (keys.some((key) => /^(consumer|dashboard)Database/.test(key))) {
      assert.ok(keys.includes("databasePasswordFile"), `${task} reads the owner's login too`);
    }
    if (keys.includes("databasePasswordFile")) assert.ok(keys.includes("databaseUrl"), task);
  }
});

Deno.test("each task's --help lists exactly the settings the table says it reads, exit 0", async () => {
  const helps = await inBatches([...TASKS], (task) => runTask(task, ["--help"]));
  TASKS.forEach((task, i) => {
    const { code, stdout, stderr } = helps[i]!;
    assert.equal(code, 0, `${task}: ${stderr}`);
    assert.match(stdout, new RegExp(`^Usage: deno task ${task}\\s`), task);
    assert.deepEqual(
      listedSettings(stdout),
      keysOf(task).map(variableOf),
      `${task} --help lists its settings, in the table's order`,
    );
  });
  const help = (task: Task) => helps[TASKS.indexOf(task)]!.stdout;
  for (const hidden of ["DATABASE_URL", "PORT", "--database-url", "--port", "CONSUMER_GROUP"]) {
    assert.ok(!help("produce").includes(hidden), `produce --help shows ${hidden}`);
  }
  for (const hidden of ["KAFKA_COMPRESSION", "--compression", "KAFKA_CONNECT_TIMEOUT"]) {
    assert.ok(!help("serve").includes(hidden), `serve --help shows ${hidden}`);
  }
  assert.ok(!/KAFKA_/.test(help("verify")), "verify reads no Kafka setting");
});

Deno.test("a flag of a setting the task does not read is refused as unknown, exit 2, nothing done", async () => {
  const cases: [Task, string[]][] = [
    ["produce", ["--database-url", "postgres://localhost/sales"]],
    ["produce", ["--port", "9000"]],
    ["serve", ["--compression", "gzip"]],
    ["serve", ["--session-timeout", "30"]],
    ["verify", ["--brokers", "localhost:9092"]],
    ["consume", ["--prefix", "x_"]],
    ["down", ["--topic", "t"]],
    ["bench:write", ["--brokers", "localhost:9092"]],
    ["unstick", ["--kafka-version", "3.9.1"]],
  ];
  for (const [task, args] of cases) {
    assert.ok(!flagsOf(task).includes(args[0]!.slice(2)), `${task} does not read ${args[0]}`);
  }
  const results = await inBatches(cases, ([task, args]) => runTask(task, args, NOWHERE));
  results.forEach(({ code, stdout, stderr }, i) => {
    const [task, args] = cases[i]!;
    assert.equal(code, 2, `${task} ${args.join(" ")}: ${stderr}`);
    assert.match(stderr.split("\n")[0]!, new RegExp(`^error: Unknown option '${args[0]}'`), task);
    assert.doesNotMatch(stderr, /\n\s+at /, "no stack trace");
    assert.equal(stdout, "", `${task} did nothing`);
  });
});

/** A file with a PEM certificate, for the case of a client key that cannot be read. */
const CERT = await Deno.makeTempFile({ suffix: ".crt" });
await Deno.writeTextFile(CERT, "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n");

/**
 * A bad value of each setting, the task that reads it, and the sentence (NAME: the variable, or the
 * flag when given as one); the value goes in NAME_FILE for a secret unless `variable` says; `env`
 * adds what the case needs, `envOnly` marks checks of a file's content or of settings together,
 * which name the variable however it was given.
 */
const BAD: Record<string, {
  task: Task;
  value: string;
  variable?: string;
  says: string;
  env?: Record<string, string>;
  envOnly?: true;
}> = {
  KAFKA_BROKERS: {
    task: "produce",
    value: "nohost",
    says: 'NAME has "nohost"; expected host:port',
  },
  SALES_TOPIC: { task: "produce", value: " ", says: "NAME is empty; " },
  SALES_PARTITIONS: {
    task: "produce",
    value: "0",
    says: 'NAME must be a whole number above 0, got "0"',
  },
  CONSUMER_GROUP: { task: "consume", value: " ", says: "NAME is empty; " },
  CONSUMER_SESSION_TIMEOUT: {
    task: "consume",
    value: "5",
    says: 'NAME must be whole seconds from 6 to 1800 .*got "5"',
  },
  CONSUMER_CLOCK_TOLERANCE: {
    task: "consume",
    value: "-1",
    says: 'NAME must be whole seconds from 0 to 86400, got "-1"',
  },
  KAFKA_CONNECT_TIMEOUT: {
    task: "produce",
    value: "ten",
    says: 'NAME must be a number of seconds above 0 and at most 3600, got "ten"',
  },
  KAFKA_COMPRESSION: {
    task: "produce",
    value: "brotli",
    says: 'NAME takes none, gzip, snappy, lz4, zstd; got "brotli"',
  },
  KAFKA_SECURITY_PROTOCOL: {
    task: "produce",
    value: "TLS",
    says: 'NAME takes PLAINTEXT, SSL, SASL_SSL, got "TLS"',
  },
  KAFKA_SASL_MECHANISM: {
    task: "serve",
    value: "GSSAPI",
    says: 'NAME takes PLAIN, SCRAM-SHA-256, SCRAM-SHA-512, got "GSSAPI"',
  },
  KAFKA_USERNAME: {
    task: "unstick",
    value: "two words",
    says: "NAME must be printable ASCII without spaces, quotes or backslashes",
  },
  KAFKA_PASSWORD: {
    task: "consume",
    value: "/nonexistent/password",
    says: "KAFKA_PASSWORD_FILE=/nonexistent/password cannot be read \\(no such file\\)",
    env: { KAFKA_SECURITY_PROTOCOL: "SASL_SSL", KAFKA_USERNAME: "u" },
    envOnly: true,
  },
  KAFKA_CA_FILE: {
    task: "reports",
    value: "/nonexistent/ca.crt",
    says: "KAFKA_CA_FILE=/nonexistent/ca.crt cannot be read \\(no such file\\)",
    env: { KAFKA_SECURITY_PROTOCOL: "SSL" },
    envOnly: true,
  },
  KAFKA_CERT_FILE: {
    task: "bench",
    value: "/nonexistent/client.crt",
    says: "KAFKA_CERT_FILE=/nonexistent/client.crt cannot be read",
    env: { KAFKA_SECURITY_PROTOCOL: "SSL", KAFKA_KEY_FILE: "/nonexistent/client.key" },
    envOnly: true,
  },
  KAFKA_KEY_FILE: {
    task: "up",
    value: "/nonexistent/client.key",
    says: "KAFKA_KEY_FILE=/nonexistent/client.key cannot be read",
    env: { KAFKA_SECURITY_PROTOCOL: "SSL", KAFKA_CERT_FILE: CERT },
    envOnly: true,
  },
  DATABASE_URL: {
    task: "verify",
    value: "mysql://db/sales",
    says: 'NAME must start with postgres://, got "mysql://db/sales"',
  },
  DATABASE_PASSWORD_FILE: {
    task: "rebuild",
    value: "/nonexistent/pw",
    says: "NAME=/nonexistent/pw cannot be read",
  },
  CONSUMER_DATABASE_URL: {
    task: "consume",
    value: "http://db/sales",
    says: "NAME must start with postgres://",
  },
  CONSUMER_DATABASE_PASSWORD_FILE: {
    task: "consume",
    value: "/nonexistent/pw",
    says: "NAME=/nonexistent/pw cannot be read",
  },
  DASHBOARD_DATABASE_URL: {
    task: "serve",
    value: "postgres://db/sales?sslrootcert=/ca.crt",
    says: "NAME has sslrootcert, which the PostgreSQL client ignores",
  },
  DASHBOARD_DATABASE_PASSWORD_FILE: {
    task: "serve",
    value: "/nonexistent/pw",
    says: "NAME=/nonexistent/pw cannot be read",
  },
  DATABASE_CA_FILE: {
    task: "unstick",
    value: "/nonexistent/ca.crt",
    says: "NAME=/nonexistent/ca.crt cannot be read",
  },
  SALES_RETENTION: {
    task: "retention",
    value: "400",
    says: 'NAME must be whole days from 1 to 36500 written like 400d, got "400"',
  },
  HOST: { task: "serve", value: " ", says: "NAME is empty; " },
  PORT: { task: "demo", value: "http", says: 'NAME must be a whole number above 0, got "http"' },
  DASHBOARD_TIME_ZONE: {
    task: "serve",
    value: "Mars/Olympus",
    says: 'NAME must be an IANA time zone name like America/New_York or UTC, got "Mars/Olympus"',
  },
  DASHBOARD_TOKEN: {
    task: "serve",
    value: "/nonexistent/token",
    says: "DASHBOARD_TOKEN_FILE=/nonexistent/token cannot be read",
    envOnly: true,
  },
  REPORTS_GROUP: { task: "up", value: " ", says: "NAME is empty; " },
  REPORTS_INSTANCE_ID: {
    task: "reports",
    value: "../x",
    says: `NAME must be letters, digits, '.', '_' or '-', got "../x"`,
  },
  CARD_HASH_SECRET: {
    task: "bench:write",
    value: "short",
    variable: "CARD_HASH_SECRET",
    says: "CARD_HASH_SECRET holds fewer than 16 characters",
    envOnly: true,
  },
  LOG_FORMAT: {
    task: "reports",
    value: "yaml",
    says: 'NAME takes text or json, got "yaml"',
  },
  METRICS_PORT: {
    task: "consume",
    value: "-1",
    says: 'NAME must be a port from 1 to 65535, or 0 for none, got "-1"',
  },
  METRICS_HOST: {
    task: "consume",
    value: "0.0.0.0; rm -rf /",
    says: "NAME must be a host name or an IP address like 127.0.0.1 or ::, got " +
      '"0.0.0.0; rm -rf /"',
  },
  REPORTS_METRICS_PORT: {
    task: "reports",
    value: "65536",
    says: 'NAME must be a port from 1 to 65535, or 0 for none, got "65536"',
  },
  REPORTS_METRICS_HOST: {
    task: "reports",
    value: "http://0.0.0.0:9465/",
    says: "NAME must be a host name or an IP address like 127.0.0.1 or ::, got " +
      '"http://0.0.0.0:9465/"',
  },
  KAFKA_CLUSTER_SIZE: {
    task: "down",
    value: "0",
    says: 'NAME must be a whole number of brokers from 1 to 5, got "0"',
  },
  KAFKA_VERSION: { task: "up", value: "latest", says: 'NAME takes 4.4.0 or 3.9.1, got "latest"' },
  FLEET_KAFKA_VERSIONS: {
    task: "test",
    value: "4.4.0,2.8",
    says: 'NAME lists "2.8"; the releases are 4.4.0, 3.9.1',
  },
  FLEET_KAFKA_PORT: {
    task: "test",
    value: "ninety",
    says: 'NAME must be a port from 1024 to 65535, got "ninety"',
  },
  REPLICA_PORT: {
    task: "up",
    value: "80",
    says: 'NAME must be a port from 1024 to 65535, got "80"',
  },
};

/** Settings that take any text (an empty one included): nothing to refuse. */
const ANY_TEXT = ["REPORT_TOPIC_PREFIX", "REPORTS_STATE_DIR", "KAFKA_CLIENT_PROPERTIES"];

Deno.test("a bad value of each setting, as its variable or its flag, is refused in one sentence naming it, exit 2", async () => {
  assert.deepEqual(
    SETTING_KEYS.map((key) => SETTINGS[key].env).filter((env) => !ANY_TEXT.includes(env)).sort(),
    Object.keys(BAD).sort(),
    "every setting that can be refused has a bad value here",
  );
  const runs = SETTING_KEYS.flatMap((key) => {
    const declared: Setting = SETTINGS[key];
    const bad = BAD[declared.env];
    if (!bad) return [];
    assert.ok(declared.tasks.includes(bad.task), `${bad.task} reads ${declared.env}`);
    const variable = bad.variable ?? (declared.secret ? `${declared.env}_FILE` : declared.env);
    const byEnv = {
      label: `${bad.task}: ${variable}=${bad.value}`,
      task: bad.task,
      args: [] as string[],
      env: { ...NOWHERE, ...bad.env, [variable]: bad.value },
      says: new RegExp(`^error: ${bad.says.replace("NAME", variable)}`),
    };
    if (!declared.flag) return [byEnv];
    const flag = `--${declared.flag}`;
    return [byEnv, {
      label: `${bad.task} ${flag}=${bad.value}`,
      task: bad.task,
      args: [`${flag}=${bad.value}`],
      env: { ...NOWHERE, ...bad.env },
      says: new RegExp(`^error: ${bad.says.replace("NAME", bad.envOnly ? variable : flag)}`),
    }];
  });
  const results = await inBatches(runs, (run) => runTask(run.task, run.args, run.env));
  results.forEach(({ code, stdout, stderr }, i) => {
    const { label, says } = runs[i]!;
    assert.equal(code, 2, `${label}: ${stderr}`);
    // (Deno itself may say it downloads or initialises something first.)
    const said = stderr.split("\n").filter((l) => !/^(Download|Initialize|Warning) /.test(l));
    assert.match(said[0]!, says, `${label}: ${stderr}`);
    assert.doesNotMatch(stderr, /\n\s+at /, `${label}: no stack trace`);
    assert.equal(stdout, "", `${label}: nothing started`);
  });
});

Deno.test("the README's Settings table is the table of settings", async () => {
  const readme = await Deno.readTextFile(`${ROOT}README.md`);
  const section = /\n## Settings\n([\s\S]*?)\n## /.exec(readme)?.[1] ?? "";
  /** A Markdown table's rows as trimmed cells, without the separator row. */
  const rows = (markdown: string) =>
    markdown.split("\n").filter((line) => line.startsWith("|") && !/^\|[\s|-]+\|$/.test(line))
      .map((line) => line.slice(1, -1).split(/(?<!\\)\|/).map((c) => c.trim()));
  assert.deepEqual(
    rows(section),
    rows(readmeSettingsTable()),
    `the README's Settings table differs from SETTINGS; its rows should be:\n${readmeSettingsTable()}`,
  );
});

Deno.test("a task's typed settings hold only what it reads, a secret never in their JSON", () => {
  const produce = loadTaskConfig("produce", { KAFKA_COMPRESSION: "zstd", PORT: "bad" });
  assert.equal(produce.compression, "zstd");
  assert.equal(produce.connectTimeoutMs, 10_000);
  assert.deepEqual(produce.kafkaBrokers, ["localhost:9092"]);
  assert.equal(produce.kafkaSecurity.protocol, "PLAINTEXT");
  for (const absent of ["databaseUrl", "database", "port", "host", "groupId"]) {
    assert.ok(!(absent in produce), `produce has ${absent}`);
  }
  const verify = loadTaskConfig("verify", { KAFKA_BROKERS: "nohost" });
  assert.equal(verify.database.owner.url, "postgres://postgres@localhost:5432/sales");
  assert.deepEqual(Object.keys(verify).sort(), ["database", "databaseUrl"]);

  const token = "token-never-shown-0123456789";
  const serve = loadTaskConfig("serve", {
    DASHBOARD_TOKEN: token,
    DATABASE_URL: "postgres://owner@db.example:5432/sales",
    REPORT_TOPIC_PREFIX: "",
  }, { port: "9100", prefix: "x_" });
  assert.equal(serve.dashboardToken?.value(), token);
  assert.equal(serve.port, 9100);
  assert.equal(serve.reportPrefix, "x_", "a flag wins over its variable");
  assert.equal(serve.database.dashboard.url, "postgres://sales_reader@db.example:5432/sales");
  assert.ok(!("consumer" in serve.database), "the dashboard has no consumer login");
  assert.ok(!JSON.stringify(serve).includes(token), "the token is in the settings' JSON");
  assert.ok(!Deno.inspect(serve, { depth: 10 }).includes(token), "printing them shows the token");

  const consume = loadTaskConfig("consume", { CONSUMER_SESSION_TIMEOUT: "30" });
  assert.equal(consume.sessionTimeoutMs, 30_000);
  assert.ok(!("dashboard" in consume.database), "the consumer has no dashboard login");
  assert.equal(
    readSetting("fleetKafkaVersions", { FLEET_KAFKA_VERSIONS: "" }).length,
    0,
    "an empty FLEET_KAFKA_VERSIONS is no release",
  );
  assert.equal(readSetting("reportsInstanceId", { REPORTS_INSTANCE_ID: " " }), undefined);
});

/** Product code: lib/, routes/, views/, the entrypoints and scripts/. */
function productFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string) => {
    for (const entry of Deno.readDirSync(`${ROOT}${dir}`)) {
      const path = dir ? `${dir}/${entry.name}` : entry.name;
      if (entry.isDirectory && dir) walk(path);
      else if (entry.isFile && /\.tsx?$/.test(entry.name)) out.push(path);
    }
  };
  walk("");
  for (const dir of ["lib", "routes", "views", "scripts"]) walk(dir);
  return out;
}

Deno.test("no product code reads the environment but the settings module", () => {
  const files = productFiles();
  assert.ok(files.includes("producer.ts") && files.includes("scripts/bench/consumer.ts"));
  const readers = files.filter((file) =>
    /\bDeno\.env\b|\bprocess\.env\b/.test(Deno.readTextFileSync(`${ROOT}${file}`))
  );
  assert.deepEqual(readers, ["lib/infra/settings.ts"]);
});

Deno.test("kafkaVersionList() reads a comma-separated list of releases, empty included, and names an unknown one", () => {
  assert.deepEqual(kafkaVersionList("FLEET_KAFKA_VERSIONS", "4.4.0, 3.9.1"), ["4.4.0", "3.9.1"]);
  assert.deepEqual(kafkaVersionList("FLEET_KAFKA_VERSIONS", ""), []);
  assert.deepEqual(kafkaVersionList("FLEET_KAFKA_VERSIONS", " ,3.9.1,"), ["3.9.1"]);
  assert.throws(
    () => kafkaVersionList("FLEET_KAFKA_VERSIONS", "4.4.0,2.8"),
    new ConfigError('FLEET_KAFKA_VERSIONS lists "2.8"; the releases are 4.4.0, 3.9.1'),
  );
});

globalThis.addEventListener("unload", () => Deno.removeSync(CERT));

Deno.test("SALES_RETENTION takes whole days like 400d and refuses anything else in one sentence", () => {
  assert.equal(readSetting("salesRetention", {}), undefined, "unset: keep everything");
  assert.equal(readSetting("salesRetention", { SALES_RETENTION: "" }), undefined);
  assert.equal(readSetting("salesRetention", { SALES_RETENTION: "400d" }), 400);
  assert.equal(readSetting("salesRetention", { SALES_RETENTION: " 1d " }), 1);
  assert.equal(readSetting("salesRetention", {}, { retention: "36500d" }), 36500);
  const hostile = [
    "0d",
    "-1d",
    "36501d",
    "400D",
    "400 d",
    "1e3d",
    "0x10d",
    "400d; drop table sales",
    "400d\n1d",
    "\u0661\u0662d", // Arabic-Indic digits
    "9".repeat(400) + "d",
    "400days",
    "P400D",
    "NaNd",
  ];
  for (const value of hostile) {
    assert.throws(
      () => readSetting("salesRetention", { SALES_RETENTION: value }),
      (error: Error) => {
        assert.ok(error instanceof ConfigError, value);
        assert.match(error.message, /^SALES_RETENTION must be whole days from 1 to 36500/);
        assert.ok(!error.message.includes("\n"), "one line");
        assert.ok(error.message.length < 160, `short: ${error.message}`);
        return true;
      },
      value,
    );
  }
});
