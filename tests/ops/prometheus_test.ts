/**
 * ops/prometheus/ as Prometheus reads it: promtool accepts the scrape configuration and the alert
 * rules, and the rules' unit tests (rules_test.yml) pass.
 */
import assert from "node:assert/strict";
import { run } from "../../lib/infra/process.ts";

const DIR = new URL("../../ops/prometheus/", import.meta.url).pathname;

async function promtool(args: string[], cwd = DIR) {
  const out = await run("promtool", args, { cwd });
  assert.notEqual(out.code, 127, "promtool is missing: apt-get install prometheus");
  assert.equal(out.code, 0, `promtool ${args.join(" ")}:\n${out.stdout}${out.stderr}`);
  return out.stdout + out.stderr;
}

Deno.test("promtool accepts the alert rules, and their unit tests pass", async () => {
  assert.match(await promtool(["check", "rules", "rules.yml"]), /SUCCESS: 7 rules found/);
  assert.match(await promtool(["test", "rules", "rules_test.yml"]), /SUCCESS/);
});

Deno.test("promtool accepts the scrape configuration of the consumer, the dashboard (with its token) and the reports process", async () => {
  const dir = await Deno.makeTempDir();
  try {
    for (const file of ["prometheus.yml", "rules.yml"]) {
      await Deno.copyFile(`${DIR}${file}`, `${dir}/${file}`);
    }
    await Deno.writeTextFile(`${dir}/dashboard-token`, "a-token\n", { mode: 0o600 });
    assert.match(
      await promtool(["check", "config", "prometheus.yml"], dir),
      /is valid prometheus config file syntax/,
    );
    const text = await Deno.readTextFile(`${DIR}prometheus.yml`);
    for (const target of ["127.0.0.1:9464", "127.0.0.1:8000", "127.0.0.1:9465"]) {
      assert.ok(text.includes(`"${target}"`), target);
    }
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
