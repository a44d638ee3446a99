import assert from "node:assert/strict";
import { freePort, uniqueSuffix, waitFor } from "../support/fixtures.ts";
import { createTestDatabase } from "../support/services.ts";
import { ROOT } from "../support/tasks.ts";

/** The pids and command lines of a process' children, from /proc. */
function childrenOf(pid: number): { pid: number; cmdline: string }[] {
  const found = [];
  for (const entry of Deno.readDirSync("/proc")) {
    if (!/^\d+$/.test(entry.name)) continue;
    try {
      const stat = Deno.readTextFileSync(`/proc/${entry.name}/stat`);
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (ppid !== pid) continue;
      const cmdline = Deno.readTextFileSync(`/proc/${entry.name}/cmdline`).replaceAll("\0", " ");
      found.push({ pid: Number(entry.name), cmdline });
    } catch { /* gone meanwhile */ }
  }
  return found;
}

Deno.test({
  name:
    "deno task demo runs the consumer, the reports process and the dashboard, and Ctrl-C stops them all",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const db = await createTestDatabase();
    const suffix = uniqueSuffix();
    const port = freePort();
    const stateDir = await Deno.makeTempDir({ prefix: "demo-reports-state-" });
    const demo = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${ROOT}scripts/demo.ts`, "--delay", "0.2-0.5"],
      cwd: ROOT,
      env: {
        NO_COLOR: "1",
        DATABASE_URL: db.url,
        SALES_TOPIC: `sales_test_demo_${suffix}`,
        CONSUMER_GROUP: `demo-${suffix}`,
        REPORT_TOPIC_PREFIX: `demo_${suffix}_`,
        REPORTS_GROUP: `demo-reports-${suffix}`,
        REPORTS_STATE_DIR: stateDir,
        PORT: String(port),
        REPORTS_METRICS_PORT: String(freePort()), // not 9465, which a running instance may hold
        METRICS_PORT: String(freePort()), // not 9464, which a running consumer may hold
      },
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const decoder = new TextDecoder();
    let output = "";
    const drained = Promise.all([demo.stdout, demo.stderr].map(async (stream) => {
      for await (const chunk of stream) output += decoder.decode(chunk, { stream: true });
    }));
    const base = `http://127.0.0.1:${port}`;
    let stopped = false;
    try {
      await waitFor(
        () => Promise.resolve(output.includes(`Dashboard: ${base}/  Kafka reports: ${base}/kafka`)),
        `the demo's URLs; output so far:\n${output}`,
        120_000,
      );
      const sample = (JSON.parse(await Deno.readTextFile(`${ROOT}data/sales_sample.json`)) as [])
        .length;
      // Both pages are live: PostgreSQL has the sample and more, and so do the report topics.
      const summary = async () => await (await fetch(`${base}/api/summary`)).json();
      const reported = async () => {
        const body = await (await fetch(`${base}/api/reports`)).json();
        return Number(body.reports?.total_sales_summary?.[0]?.sales_count ?? 0);
      };
      await waitFor(
        async () => (await summary()).sales > sample,
        "live sales in PostgreSQL",
        60_000,
      );
      await waitFor(async () => await reported() > sample, "live sales in the reports", 60_000);
      const kafkaPage = await (await fetch(`${base}/kafka`)).text();
      assert.doesNotMatch(kafkaPage, /No report data yet/);

      const children = childrenOf(demo.pid);
      const running = (script: string) => children.filter((c) => c.cmdline.includes(script));
      assert.equal(running("consumer.ts").length, 1, JSON.stringify(children));
      assert.equal(running("reports.ts").length, 1, JSON.stringify(children));
      assert.equal(running("main.ts").length, 1, JSON.stringify(children));
      assert.equal(running("producer.ts").length, 1, "the live stream");

      demo.kill("SIGINT");
      const status = await demo.status;
      stopped = true;
      assert.equal(status.code, 0, output);
      const left = children.filter((c) => {
        try {
          return !/^\d+ \(.*\) Z/.test(Deno.readTextFileSync(`/proc/${c.pid}/stat`));
        } catch {
          return false;
        }
      });
      assert.deepEqual(left, [], "every process the demo started has stopped");
      // A first start says nothing alarming: no warning (Deno's, kafkajs', logback's WARN), no
      // consumer "Crash", no stack trace.
      const alarming = output.split("\n").filter((line) =>
        /Warning|\bWARN\b|Crash|^\s+at /.test(line)
      );
      assert.deepEqual(alarming, [], "no warnings or stack traces");
      await assert.rejects(() => fetch(`${base}/`), "the dashboard no longer answers");
    } finally {
      if (!stopped) {
        for (const c of childrenOf(demo.pid)) Deno.kill(c.pid, "SIGKILL");
        demo.kill("SIGKILL");
        await demo.status;
      }
      await drained;
      await db.close();
      await Deno.remove(stateDir, { recursive: true }).catch(() => {});
    }
  },
});
