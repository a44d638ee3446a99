/**
 * `deno task up --replica` and the dashboard on the replica: this file starts its own primary
 * and replica (`deno task up`, Debian's binaries, free ports; never the machine's shared server),
 * runs the real consumer against the primary (its topic on the shared Kafka) and the real
 * dashboard against the replica, and checks the figures to the cent, the lag shown, a replica
 * that falls behind or stops, migrations that never run on a replica, the secured variant, and
 * the refusals. It stops and removes only what it started.
 */
import assert from "node:assert/strict";
import { connect, connectLogin, type Sql } from "../../lib/infra/db.ts";
import { loadConfig } from "../../lib/infra/config.ts";
import { LOCAL_DIR } from "../../lib/infra/process.ts";
import { clusterDir, postgresDown } from "../../lib/provision/postgres_cluster.ts";
import { localDatabasePasswordFile } from "../../lib/provision/postgres_security.ts";
import { LOCAL_CA_FILE } from "../../lib/provision/tls.ts";
import { ConsumerProcess } from "../support/faults.ts";
import { freePort, sampleRecords, uniqueSuffix, waitFor } from "../support/fixtures.ts";
import { kpiValues } from "../support/html.ts";
import { expectedKpis } from "../support/sales_sql.ts";
import { config, createTestTopic, produceAll } from "../support/services.ts";
import { lines, messages, ROOT, runScript } from "../support/tasks.ts";

/** A dashboard process (main.ts) with its output kept. */
class Dashboard {
  readonly #child: Deno.ChildProcess;
  readonly port = freePort();
  /** its output as written; `output` has the messages (without time and level) */
  raw = "";
  get output(): string {
    return messages(this.raw);
  }
  readonly done: Promise<Deno.CommandStatus>;

  constructor(env: Record<string, string>) {
    this.#child = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${ROOT}main.ts`, "--port", String(this.port)],
      cwd: ROOT,
      env: { NO_COLOR: "1", ...env },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const piped = Promise.all(
      [this.#child.stdout, this.#child.stderr].map((stream) =>
        stream.pipeThrough(new TextDecoderStream()).pipeTo(
          new WritableStream({ write: (chunk) => void (this.raw += chunk) }),
        ).catch(() => {})
      ),
    );
    this.done = this.#child.status.then(async (status) => (await piped, status));
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  /** Waits until its output matches `pattern` (failing with the output so far). */
  async says(pattern: RegExp, timeoutMs = 60_000): Promise<void> {
    await waitFor(() => Promise.resolve(pattern.test(this.output)), `${pattern}`, timeoutMs)
      .catch((error) => {
        throw new Error(`${error.message}; its output:\n${this.output}`);
      });
  }

  async stop(): Promise<Deno.CommandStatus> {
    try {
      this.#child.kill("SIGTERM");
    } catch { /* already gone */ }
    return await this.done;
  }
}

/** GET a page or the API: its status and text. */
async function get(url: string): Promise<{ status: number; text: string }> {
  const res = await fetch(url);
  return { status: res.status, text: await res.text() };
}

// deno-lint-ignore no-explicit-any
async function summary(base: string): Promise<any> {
  const { status, text } = await get(`${base}/api/summary`);
  assert.equal(status, 200, text);
  return JSON.parse(text);
}

/** The KPI tiles a GROUP BY over `sales` on the primary gives (all time), as the page shows them. */
async function kpisOnPrimary(sql: Sql): Promise<Record<string, string>> {
  return { ...await expectedKpis(sql, {}, null, null), rejected: "0", untrusted: "0" };
}

/** The `data-replica...` attributes of the page's replica line, and its text. */
function replicaLine(html: string) {
  const m =
    /<p class="replica[^"]*"[^>]*data-replica="([^"]*)" data-replica-behind="([^"]*)"[^>]*>([\s\S]*?)<\/p>/
      .exec(html);
  return m ? { state: m[1], behind: m[2], text: m[3]!.replace(/<[^>]+>/g, "") } : null;
}

/** Removes a local cluster's folder (and its secrets) after the test stopped it. */
async function removeCluster(port: number): Promise<void> {
  await Deno.remove(clusterDir(port).dir, { recursive: true }).catch(() => {});
  await Deno.remove(`${LOCAL_DIR}secrets/postgres-${port}`, { recursive: true }).catch(() => {});
}

/** Runs `deno task down` for the PostgreSQL at `url` (and its replicas); returns its output. */
async function down(url: string): Promise<string> {
  const out = await runScript("scripts/down.ts", ["--only", "postgres", "--database-url", url]);
  assert.equal(out.code, 0, out.stderr);
  return out.stdout;
}

Deno.test({
  name:
    "up --replica streams a copy of up's PostgreSQL; the dashboard on it shows the consumer's sales to the cent, its lag, a replica behind or stopped as such, and never migrates it",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async (t) => {
    const [primaryPort, replicaPort] = [freePort(), freePort()];
    const db = `sales_replica_${uniqueSuffix()}`;
    const primaryUrl = `postgres://postgres@127.0.0.1:${primaryPort}/${db}`;
    const replicaUrl = `postgres://sales_reader@127.0.0.1:${replicaPort}/${db}`;
    const upArgs = [
      "--only",
      "postgres",
      "--replica",
      "--replica-port",
      String(replicaPort),
      "--database-url",
      primaryUrl,
    ];
    const topic = await createTestTopic(3);
    const group = `replica-${uniqueSuffix()}`;
    const dashboardEnv = {
      DATABASE_URL: primaryUrl,
      DASHBOARD_DATABASE_URL: replicaUrl,
      SALES_TOPIC: topic,
      CONSUMER_GROUP: group,
    };
    const primary = connect(primaryUrl, { max: 2 });
    const replicaAsOwner = connect(`postgres://postgres@127.0.0.1:${replicaPort}/${db}`, {
      max: 1,
    });
    const running: { stop(): Promise<unknown> }[] = [];
    try {
      await t.step(
        "up --replica starts both, prints the URL on a line of its own; again: the same",
        async () => {
          const first = await runScript("scripts/up.ts", upArgs);
          assert.equal(first.code, 0, first.stderr + first.stdout);
          const said = lines(first.stdout);
          assert.equal(said.at(-1), replicaUrl, first.stdout);
          assert.match(
            said.at(-2)!,
            new RegExp(`streams at 127\\.0\\.0\\.1:${replicaPort}; its URL:$`),
          );
          const again = await runScript("scripts/up.ts", upArgs);
          assert.equal(again.code, 0, again.stderr);
          assert.deepEqual(lines(again.stdout).slice(-2), [
            `PostgreSQL read replica of 127.0.0.1:${primaryPort} already runs at ` +
            `127.0.0.1:${replicaPort}; its URL:`,
            replicaUrl,
          ]);
          const [r] = await replicaAsOwner`select pg_is_in_recovery() as standby`;
          assert.equal(r!.standby, true, "the replica is a hot standby");
          await assert.rejects(
            replicaAsOwner`insert into consumer_offsets (group_id, topic, partition, next_offset)
            values ('x', 'x', 0, 0)`,
            /read-only transaction/,
          );
        },
      );

      await t.step(
        "a port taken by another process is refused in one line, nothing made",
        async () => {
          const taken = Deno.listen({ hostname: "127.0.0.1", port: 0 });
          const port = (taken.addr as Deno.NetAddr).port;
          try {
            const out = await runScript("scripts/up.ts", [
              ...upArgs.slice(0, 3),
              "--replica-port",
              String(port),
              "--database-url",
              primaryUrl,
            ]);
            assert.equal(out.code, 1, out.stdout);
            assert.equal(
              out.stderr,
              `error: port ${port} is taken by another server: choose another with ` +
                "--replica-port (REPLICA_PORT)\n",
            );
            assert.equal(
              await Deno.stat(clusterDir(port).dir).then(() => true, () => false),
              false,
            );
          } finally {
            taken.close();
          }
        },
      );

      await t.step("the consumer pointed at the replica is refused in one line", async () => {
        const out = await runScript("consumer.ts", ["--topic", topic, "--group", group], {
          DATABASE_URL: primaryUrl,
          CONSUMER_DATABASE_URL: `postgres://sales_writer@127.0.0.1:${replicaPort}/${db}`,
        });
        assert.equal(out.code, 1, out.stdout);
        assert.equal(
          out.stderr,
          `Cannot start consumer: PostgreSQL at 127.0.0.1:${replicaPort} is a read replica and ` +
            "the consumer writes: point CONSUMER_DATABASE_URL at the primary\n",
        );
      });

      const dashboard = new Dashboard(dashboardEnv);
      running.push(dashboard);
      await t.step(
        "on a replica that lacks a migration or the database, the dashboard waits and migrates nothing",
        async () => {
          // The primary's record of its last migration goes; the replica gets the deletion.
          const [gone] = await primary`
          delete from schema_migrations where id = (select max(id) from schema_migrations)
          returning id, name`;
          const later = `sales_later_${uniqueSuffix()}`;
          const waiting = new Dashboard({
            DATABASE_URL: `postgres://postgres@127.0.0.1:${primaryPort}/${later}`,
            DASHBOARD_DATABASE_URL: `postgres://sales_reader@127.0.0.1:${replicaPort}/${later}`,
            SALES_TOPIC: topic,
          });
          running.push(waiting);
          const other = new Dashboard(dashboardEnv);
          running.push(other);
          await other.says(
            new RegExp(
              `The read replica at 127\\.0\\.0\\.1:${replicaPort} lacks migration ${gone!.name}; ` +
                "waiting for it to arrive from the primary",
            ),
          );
          await waiting.says(
            new RegExp(
              `The read replica at 127\\.0\\.0\\.1:${replicaPort} lacks the database itself`,
            ),
          );
          await new Promise((r) => setTimeout(r, 3000));
          const [still] = await primary`select count(*)::int as n from schema_migrations
          where id = ${gone!.id}`;
          assert.equal(still!.n, 0, "the dashboard did not migrate the primary as its owner");
          const [made] = await primary`select count(*)::int as n from pg_database
          where datname = ${later}`;
          assert.equal(made!.n, 0, "the dashboard did not create the database");
          assert.doesNotMatch(other.output + waiting.output, /Dashboard at/, "neither serves yet");
          await primary`insert into schema_migrations (id, name) values (${gone!.id}, ${
            gone!.name
          })`;
          await other.says(/has every migration now[\s\S]*Dashboard at http/);
          assert.equal(
            (await waiting.stop()).signal,
            "SIGTERM",
            "a waiting dashboard stops at once",
          );
          await other.stop();
          await dashboard.says(/Dashboard at http/);
        },
      );

      const records = sampleRecords(600, 251);
      const consumer = new ConsumerProcess(primaryUrl, topic, group, "replica consumer");
      running.push({ stop: () => consumer.stop("SIGTERM") });
      /** Waits until the primary stored `n` offsets of the topic. */
      const stored = (n: number) =>
        waitFor(
          async () => {
            const [r] = await primary`select coalesce(sum(next_offset), 0)::int as n
            from consumer_offsets where group_id = ${group}`;
            return r!.n === n;
          },
          `the consumer to store ${n} offsets`,
          120_000,
        ).catch((error) => {
          throw new Error(`${error.message}; consumer output:\n${consumer.output}`);
        });

      await t.step(
        "the consumer writes to the primary; the dashboard on the replica shows exact figures and the lag",
        async () => {
          await produceAll(topic, records.slice(0, 400));
          await stored(400);
          const want = await kpisOnPrimary(primary);
          assert.equal(want.sales, "400");
          await waitFor(
            async () => (await summary(dashboard.url)).sales === 400,
            "the dashboard to show 400 sales",
          );
          const { status, text: html } = await get(`${dashboard.url}/`);
          assert.equal(status, 200);
          assert.deepEqual(kpiValues(html), want, "the tiles equal a GROUP BY on the primary");
          const line = replicaLine(html);
          assert.equal(line?.state, "current", html);
          assert.match(line!.text, /^Read replica, (current|\d+\.\d s behind the primary)/);
          const api = await summary(dashboard.url);
          assert.deepEqual(
            [api.revenue, api.cost, api.profit, api.stale, api.problem, api.replica.state],
            [want.revenue, want.cost, want.profit, false, null, "current"],
          );
          assert.ok(api.replica.behindSeconds >= 0 && api.replica.behindSeconds < 5);
          assert.equal(api.replica.receiving, true);
          // The newest change applied is no older than the consumer's last batch on the primary.
          const [last] = await primary`select max(updated_at) as at from consumer_offsets
          where group_id = ${group}`;
          assert.ok(new Date(api.replica.replayedAt) >= last!.at, JSON.stringify(api.replica));
        },
      );

      await t.step(
        "a replica that stops applying is shown behind, with its last exact figures",
        async () => {
          const before = await kpisOnPrimary(primary);
          await replicaAsOwner`select pg_wal_replay_pause()`;
          await produceAll(topic, records.slice(400));
          await stored(600);
          // deno-lint-ignore no-explicit-any
          let api: any;
          await waitFor(async () => {
            api = await summary(dashboard.url);
            return api.replica.state === "behind";
          }, "the dashboard to show the replica behind");
          assert.equal(api.sales, 400, "the replica's figures, not the primary's");
          assert.ok(api.replica.behindSeconds >= 5, JSON.stringify(api.replica));
          assert.ok(api.replica.pendingBytes > 0);
          assert.equal(api.stale, true);
          assert.match(api.problem, /^The read replica is \d+\.\d s behind the primary$/);
          const html = (await get(`${dashboard.url}/`)).text;
          assert.deepEqual(kpiValues(html), before, "never zero: the figures it has, exact");
          const line = replicaLine(html);
          assert.equal(line?.state, "behind");
          assert.match(
            line!.text,
            /^Read replica \d+\.\d s behind the primary \(newest change applied \d\d:\d\d:\d\d UTC\)\.$/,
          );
          assert.ok(Number(line!.behind) >= 5);

          await replicaAsOwner`select pg_wal_replay_resume()`;
          await waitFor(async () => {
            api = await summary(dashboard.url);
            return api.sales === 600 && api.replica.state === "current";
          }, "the replica to catch up");
          const after = await kpisOnPrimary(primary);
          assert.equal(after.sales, "600");
          assert.deepEqual(kpiValues((await get(`${dashboard.url}/`)).text), after);
        },
      );

      await t.step(
        "a stopped replica: the page and the API say so, with the last good figures",
        async () => {
          const want = await kpisOnPrimary(primary);
          const stopped = await down(`postgres://postgres@127.0.0.1:${replicaPort}/${db}`);
          assert.match(stopped, /PostgreSQL \(local cluster\) stopped/);
          // deno-lint-ignore no-explicit-any
          let api: any;
          await waitFor(async () => {
            api = await summary(dashboard.url);
            return api.stale === true;
          }, "the dashboard to notice the stopped replica");
          assert.match(api.problem, /^The read replica (is unreachable|did not answer)/);
          assert.equal(api.replica.state, "unreachable");
          assert.equal(api.sales, 600, "the last good figures, not zero");
          const html = (await get(`${dashboard.url}/`)).text;
          assert.match(
            html,
            /data-problem="database"><strong>The read replica (is unreachable|did not answer)/,
          );
          assert.equal(replicaLine(html)?.state, "unreachable");
          assert.deepEqual(kpiValues(html), want);
          const breakdown = await get(`${dashboard.url}/api/breakdown/state`);
          assert.equal(breakdown.status, 503);
          assert.match(breakdown.text, /unreachable/);

          // Started again by up --replica, it catches up and the page is current again.
          const up = await runScript("scripts/up.ts", upArgs);
          assert.equal(up.code, 0, up.stderr);
          assert.match(up.stdout, new RegExp(`Starting the read replica on port ${replicaPort}`));
          await waitFor(async () => {
            api = await summary(dashboard.url);
            return api.stale === false && api.replica.state === "current";
          }, "the dashboard to read the replica again");
          assert.equal(api.sales, 600);
        },
      );

      await t.step(
        "a stopped primary: the replica still serves, shown as not receiving from it",
        async () => {
          await replicaAsOwner.end();
          await primary.end();
          await postgresDown(primaryUrl, () => {});
          // deno-lint-ignore no-explicit-any
          let api: any;
          await waitFor(async () => {
            api = await summary(dashboard.url);
            return api.replica.state === "disconnected";
          }, "the dashboard to show the replica cut off");
          assert.deepEqual(
            [api.sales, api.stale, api.problem, api.replica.behindSeconds],
            [600, true, "The read replica is not receiving from the primary", null],
          );
          const html = (await get(`${dashboard.url}/`)).text;
          assert.equal(replicaLine(html)?.state, "disconnected");
          assert.equal(kpiValues(html).sales, "600");
          // up --replica starts the primary again; the replica resumes streaming.
          const up = await runScript("scripts/up.ts", upArgs);
          assert.equal(up.code, 0, up.stderr);
          assert.match(up.stdout, /already runs/);
          await waitFor(async () => {
            api = await summary(dashboard.url);
            return api.replica.state === "current";
          }, "the replica to stream again");
        },
      );

      await t.step("down stops the primary and its replica", async () => {
        for (const r of running.splice(0)) await r.stop();
        const out = await down(primaryUrl);
        assert.deepEqual(lines(out), [
          `PostgreSQL read replica on port ${replicaPort} stopped`,
          "PostgreSQL (local cluster) stopped",
        ]);
      });
    } finally {
      for (const r of running) await r.stop().catch(() => {});
      await replicaAsOwner.end().catch(() => {});
      await primary.end().catch(() => {});
      await runScript("scripts/down.ts", ["--only", "postgres", "--database-url", primaryUrl]);
      await removeCluster(replicaPort);
      await removeCluster(primaryPort);
    }
  },
});

Deno.test({
  name:
    "up --secure --replica: the replica asks the same passwords over TLS only, streams as a role that may do nothing else, and serves the dashboard",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const [primaryPort, replicaPort] = [freePort(), freePort()];
    const db = `sales_secure_replica_${uniqueSuffix()}`;
    const primaryUrl = `postgres://postgres@localhost:${primaryPort}/${db}`;
    const replicaUrl = `postgres://sales_reader@localhost:${replicaPort}/${db}`;
    const readerPassword = localDatabasePasswordFile(primaryPort, "sales_reader");
    let dashboard: Dashboard | undefined;
    try {
      const up = await runScript("scripts/up.ts", [
        "--secure",
        "--only",
        "postgres",
        "--replica",
        "--replica-port",
        String(replicaPort),
        "--database-url",
        primaryUrl,
      ]);
      assert.equal(up.code, 0, up.stderr + up.stdout);
      const said = lines(up.stdout);
      assert.ok(said.includes(replicaUrl), up.stdout);
      assert.ok(
        said.some((l) =>
          l.includes(`DASHBOARD_DATABASE_URL=${replicaUrl}`) &&
          l.includes(`DASHBOARD_DATABASE_PASSWORD_FILE=${readerPassword}`)
        ),
        up.stdout,
      );
      const login = loadConfig({
        DATABASE_URL: primaryUrl,
        DASHBOARD_DATABASE_URL: replicaUrl,
        DASHBOARD_DATABASE_PASSWORD_FILE: readerPassword,
        DATABASE_CA_FILE: LOCAL_CA_FILE,
      }).database.dashboard;
      const reader = connectLogin(login, { max: 1 });
      try {
        const [r] = await reader`select pg_is_in_recovery() as standby, current_user as who,
          (select ssl from pg_stat_ssl where pid = pg_backend_pid()) as tls`;
        assert.deepEqual({ ...r }, { standby: true, who: "sales_reader", tls: true });
      } finally {
        await reader.end();
      }
      const wrong = await Deno.makeTempFile();
      await Deno.writeTextFile(wrong, "not-the-password");
      const refused: [string, Sql, string][] = [
        ["without TLS", connect(replicaUrl, { max: 1, pass: () => "x" }), "28000"],
        ["a wrong password", connectLogin({ ...login, passwordFile: wrong }, { max: 1 }), "28P01"],
      ];
      for (const [what, attempt, code] of refused) {
        await assert.rejects(attempt`select 1`, { code }, what);
        await attempt.end();
      }
      await Deno.remove(wrong);
      const replicator = connectLogin({
        url: `postgres://sales_replicator@localhost:${primaryPort}/${db}`,
        urlSetting: "x",
        passwordFile: localDatabasePasswordFile(primaryPort, "sales_replicator"),
        passwordSetting: "x",
        caFile: LOCAL_CA_FILE,
      }, { max: 1 });
      await assert.rejects(replicator`select 1`, { code: "28000" });
      await replicator.end();
      const conf = await Deno.readTextFile(`${clusterDir(replicaPort).data}/postgresql.auto.conf`);
      const password = (await Deno.readTextFile(
        localDatabasePasswordFile(primaryPort, "sales_replicator"),
      )).trim();
      assert.match(conf, /primary_conninfo = '.*sslmode=''verify-full''/);
      assert.ok(
        !conf.includes(password),
        "the replication password is not in the replica's settings",
      );
      const pgpass = await Deno.stat(`${clusterDir(replicaPort).dir}primary.pgpass`);
      assert.equal(pgpass.mode! & 0o077, 0, "the replica's password file is private");

      dashboard = new Dashboard({
        DATABASE_URL: primaryUrl,
        DASHBOARD_DATABASE_URL: replicaUrl,
        DASHBOARD_DATABASE_PASSWORD_FILE: readerPassword,
        DATABASE_CA_FILE: LOCAL_CA_FILE,
        SALES_TOPIC: `replica_secure_${uniqueSuffix()}`,
        KAFKA_BROKERS: config.kafkaBrokers.join(","),
      });
      await dashboard.says(/Dashboard at http/);
      const api = await summary(dashboard.url);
      assert.deepEqual([api.sales, api.stale, api.replica.state], [0, false, "current"]);
    } finally {
      await dashboard?.stop();
      const out = await runScript("scripts/down.ts", [
        "--only",
        "postgres",
        "--database-url",
        primaryUrl,
      ]);
      assert.match(out.stdout, new RegExp(`read replica on port ${replicaPort} stopped`));
      await removeCluster(replicaPort);
      await removeCluster(primaryPort);
    }
  },
});

Deno.test("up --replica refuses, in one line, a server up did not start, a remote one, --only kafka and its own port", async () => {
  const name = `sales_never_${uniqueSuffix()}`;
  // A server of its own on a port (a bare TCP listener), and the machine's shared server unless
  // it is the cluster `deno task up` runs here (on a fresh machine the tests' own).
  const other = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const otherUrl = `postgres://postgres@127.0.0.1:${(other.addr as Deno.NetAddr).port}/${name}`;
  const shared = new URL(config.databaseUrl);
  shared.pathname = `/${name}`;
  const sharedIsOurs = await Deno.stat(
    `${clusterDir(Number(shared.port || 5432)).data}/postmaster.pid`,
  ).then(() => true, () => false);
  if (sharedIsOurs) console.log("DATABASE_URL's server is the cluster `deno task up` runs here");
  const notOurs = (url: string) =>
    new RegExp(
      `^error: PostgreSQL at ${
        new URL(url).host.replace(/\./g, "\\.")
      } is not the cluster \`deno task up\` started .* so --replica will not reconfigure it`,
    );
  const cases: [string[], number, RegExp][] = [
    [["--only", "postgres", "--replica", "--database-url", otherUrl], 1, notOurs(otherUrl)],
    ...(sharedIsOurs ? [] : [[
      ["--only", "postgres", "--replica", "--database-url", shared.toString()],
      1,
      notOurs(shared.toString()),
    ] as [string[], number, RegExp]]),
    [
      [
        "--only",
        "postgres",
        "--replica",
        "--database-url",
        `postgres://postgres@db.invalid:5432/${name}`,
      ],
      1,
      /^error: --replica copies the PostgreSQL that `deno task up` runs on this machine; DATABASE_URL names db\.invalid:5432, so none is started$/,
    ],
    [
      ["--only", "kafka", "--replica"],
      2,
      /^error: --replica is a PostgreSQL replica; leave out --only kafka$/,
    ],
    [
      [
        "--replica",
        "--replica-port",
        "5999",
        "--database-url",
        "postgres://postgres@127.0.0.1:5999/x",
      ],
      2,
      /^error: REPLICA_PORT \(--replica-port\) 5999 is DATABASE_URL's port; the replica needs its own$/,
    ],
    [
      ["--replica", "--replica-port", "80"],
      2,
      /^error: --replica-port must be a port from 1024 to 65535, got "80"$/,
    ],
  ];
  try {
    for (const [args, code, says] of cases) {
      const out = await runScript("scripts/up.ts", args);
      assert.equal(out.code, code, `${args.join(" ")}: ${out.stderr}`);
      assert.match(out.stderr.split("\n")[0]!, says, args.join(" "));
      assert.equal(lines(out.stderr).length, code === 1 ? 1 : 4, `${args.join(" ")}: one line`);
      assert.equal(out.stdout, "", `${args.join(" ")}: nothing started`);
    }
  } finally {
    other.close();
  }
  const sql = connect(config.databaseUrl.replace(/\/[^/]*$/, "/postgres"), { max: 1 });
  try {
    const [r] = await sql`select count(*)::int as n from pg_database where datname = ${name}`;
    assert.equal(r!.n, 0, "nothing was created on the shared server");
  } finally {
    await sql.end();
  }
});
