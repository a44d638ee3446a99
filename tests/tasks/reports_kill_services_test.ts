/**
 * Every exit status of `deno task reports` is in its --help, a JVM killed by kill -9 included:
 * the launcher then says so in one line and exits 128 + 9.
 */
import assert from "node:assert/strict";
import { LOCAL_DIR } from "../../lib/infra/process.ts";
import { ensureReportsBuilt } from "../../lib/reports/launch.ts";
import { uniqueSuffix, waitFor } from "../support/fixtures.ts";
import { config, createTestTopic } from "../support/services.ts";
import { ROOT, runScript } from "../support/tasks.ts";

Deno.test("deno task reports --help lists every exit status, a JVM killed by a signal included", async () => {
  await ensureReportsBuilt();
  const out = await runScript("reports.ts", ["--help"]);
  const help = out.stdout;
  assert.equal(out.code, 0, out.stderr);
  const start = help.indexOf("Exit status:\n");
  const statuses = help.slice(start, help.indexOf("Settings", start));
  for (const status of ["0", "1", "2", "3", "130/143", "128+N"]) {
    assert.match(statuses, new RegExp(`\\n  ${status.replace("+", "\\+")} +\\S`), status);
  }
  assert.match(
    statuses.replace(/\s+/g, " "),
    /137 is SIGKILL \(kill -9, the kernel's out-of-memory killer/,
  );
});

/** The child processes of `pid` (every thread's), from /proc. */
async function children(pid: number): Promise<number[]> {
  const found: number[] = [];
  for await (const task of Deno.readDir(`/proc/${pid}/task`)) {
    const text = await Deno.readTextFile(`/proc/${pid}/task/${task.name}/children`);
    found.push(...text.trim().split(/\s+/).filter(Boolean).map(Number));
  }
  return found;
}

Deno.test({
  name: "deno task reports whose JVM is killed with kill -9 says so in one line and exits 137",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    await ensureReportsBuilt();
    const topic = await createTestTopic(1);
    const group = `reports-${uniqueSuffix()}`;
    const stateDir = `${LOCAL_DIR}test-reports/${group}`;
    const launcher = new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", `${ROOT}reports.ts`],
      cwd: ROOT,
      env: {
        NO_COLOR: "1",
        KAFKA_BROKERS: config.kafkaBrokers.join(","),
        SALES_TOPIC: topic,
        SALES_PARTITIONS: "1",
        REPORT_TOPIC_PREFIX: `${group}-`,
        REPORTS_GROUP: group,
        REPORTS_INSTANCE_ID: `${group}-a`,
        REPORTS_STATE_DIR: stateDir,
        REPORTS_HEAP_MB: "128",
        REPORTS_MEMORY_MB: "32",
        REPORTS_PROGRESS_S: "1",
        REPORTS_METRICS_PORT: "0",
      },
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const output = { stdout: "", stderr: "" };
    const decoder = () => new TextDecoder();
    const reading = Promise.all(
      (["stdout", "stderr"] as const).map(async (name) => {
        const text = decoder();
        for await (const chunk of launcher[name]) output[name] += text.decode(chunk);
      }),
    );
    try {
      await waitFor(
        () => Promise.resolve(/ tasks: [1-9]\d* active/.test(output.stdout)),
        `the reports process to run:\n${output.stdout}${output.stderr}`,
        120_000,
      );
      const [jvm, ...others] = await children(launcher.pid);
      assert.deepEqual(others, [], "one child: the JVM (bin/sales-reports execs java)");
      assert.equal((await Deno.readTextFile(`/proc/${jvm}/comm`)).trim(), "java");
      Deno.kill(jvm!, "SIGKILL");
      const status = await launcher.status;
      await reading;
      assert.equal(status.code, 137, output.stderr);
      assert.equal(
        output.stderr.trim().split("\n").at(-1),
        "reports: the process was killed by SIGKILL (kill -9, or the kernel's out-of-memory " +
          "killer: see dmesg); its open Kafka transaction never commits: starting it again " +
          "loses nothing and counts nothing twice; exit 137",
      );
    } finally {
      try {
        launcher.kill("SIGTERM");
      } catch { /* already gone */ }
      await launcher.status;
      await reading.catch(() => {});
      await Deno.remove(stateDir, { recursive: true }).catch(() => {});
    }
  },
});
