import assert from "node:assert/strict";
import { lines, runScript } from "../support/tasks.ts";
import { snapshotFailures } from "../../scripts/bench/dashboard.ts";
import { dashboardMetrics } from "../../routes/operations.ts";

Deno.test("deno task bench --growth refuses a size list that is not whole numbers 0 to 1e9, exit 2, one line", async () => {
  const bad = [
    "",
    ",",
    "-1",
    "1e7",
    "0x10",
    "10,abc",
    "1.5",
    "2000000000",
    "99999999999999999999",
    "0,0",
    "１０",
    "0;rm -rf /",
    "$(touch /tmp/x)",
    "0,1,2,3,4,5,6,7,8,9,10",
    "9".repeat(5000),
  ];
  for (const value of bad) {
    const { code, stdout, stderr } = await runScript("scripts/bench.ts", [`--growth=${value}`]);
    const shown = JSON.stringify(value.slice(0, 40));
    assert.equal(code, 2, shown);
    assert.equal(stdout, "", shown);
    const first = lines(stderr)[0] ?? "";
    assert.match(first, /^error: --growth (takes|names)/, shown);
    assert.ok(first.length < 200, `${shown}: the error line is ${first.length} characters`);
    assert.match(stderr, /Usage: deno task bench/, shown);
    assert.doesNotMatch(stderr, /\n\s+at /, `${shown}: no stack trace`);
  }
});

Deno.test("deno task bench --help describes --growth and the settings it reads", async () => {
  const { code, stdout } = await runScript("scripts/bench.ts", ["--help"]);
  assert.equal(code, 0);
  assert.match(stdout, /--growth A,B,\.\.\./);
  assert.match(stdout, /DATABASE_URL/);
});

/** The kept-history tools and a valid set of their options. */
const KEPT_TOOLS: [string, string[]][] = [
  ["scripts/bench/keep_history.ts", ["--size", "1000"]],
  ["scripts/bench/ingest_into.ts", ["--n", "1000", "--seed", "7"]],
  ["scripts/bench/dashboard_on.ts", []],
];

/** Runs a tool with arguments that must be refused before it connects to anything. */
async function assertRefused(script: string, args: string[], pattern: RegExp) {
  const { code, stdout, stderr } = await runScript(script, args);
  const shown = `${script} ${JSON.stringify(args).slice(0, 80)}`;
  assert.equal(code, 2, shown);
  assert.equal(stdout, "", shown);
  const first = lines(stderr)[0] ?? "";
  assert.match(first, pattern, shown);
  assert.ok(first.length < 240, `${shown}: the error line is ${first.length} characters`);
  assert.match(stderr, /Usage: deno run -A scripts\/bench\//, shown);
  assert.doesNotMatch(stderr, /\n\s+at /, `${shown}: no stack trace`);
}

Deno.test("the kept-history bench tools touch only bench_ databases: any other name is refused, exit 2, one line", async () => {
  const bad = [
    "sales",
    "postgres",
    "template1",
    "bench_",
    "bench_X",
    "Bench_a",
    "bench_a;drop database sales",
    'bench_a"; drop',
    "bench_a b",
    "bench_$(touch /tmp/x)",
    "bench_é",
    "bench_" + "a".repeat(41),
    "x".repeat(5000),
    "",
  ];
  for (const [script, rest] of KEPT_TOOLS) {
    await assertRefused(script, rest, /^error: --database is required/);
    for (const name of bad) {
      await assertRefused(script, [`--database=${name}`, ...rest], /^error: --database takes/);
    }
  }
});

Deno.test("the kept-history bench tools refuse counts, seeds and seconds that are not plain whole numbers in range", async () => {
  const bad = ["0", "-1", "1e3", "0x10", "1.5", "abc", "", "99999999999", "１０", "9".repeat(5000)];
  const cases: [string, string, string[]][] = [
    ["scripts/bench/keep_history.ts", "--size", []],
    ["scripts/bench/ingest_into.ts", "--n", ["--seed", "7"]],
    ["scripts/bench/ingest_into.ts", "--seed", ["--n", "1000"]],
    ["scripts/bench/dashboard_on.ts", "--seconds", []],
  ];
  for (const [script, flag, rest] of cases) {
    for (const value of bad) {
      await assertRefused(
        script,
        ["--database=bench_ok", `${flag}=${value}`, ...rest],
        new RegExp(`^error: ${flag} takes a whole number`),
      );
    }
  }
  await assertRefused(
    "scripts/bench/ingest_into.ts",
    ["--database=bench_ok", "--n", "1000", "--seed", "7", "--drop"],
    /^error: Unknown option '--drop'/,
  );
});

Deno.test("the kept-history bench tools answer --help with what they do and the settings they read", async () => {
  for (const [script] of KEPT_TOOLS) {
    const { code, stdout } = await runScript(script, ["--help"]);
    assert.equal(code, 0, script);
    assert.match(stdout, /--database bench_NAME/, script);
    assert.match(stdout, /DATABASE_URL/, script);
  }
});

Deno.test("the dashboard bench counts failed snapshot loads from the dashboard's own /metrics, both reasons, nothing else", async () => {
  const metrics = dashboardMetrics();
  const fail = (code: string) =>
    metrics.timeQuery("snapshot", () => Promise.reject(Object.assign(new Error(code), { code })))
      .catch(() => {});
  const page = async () => await metrics.registry.metrics();
  assert.equal(snapshotFailures(await page()), 0);
  await fail("57014");
  await fail("57014");
  await fail("ECONNREFUSED");
  await metrics.timeQuery("breakdown", () => Promise.reject(new Error("x"))).catch(() => {});
  await metrics.timeQuery("snapshot", () => Promise.resolve(1));
  assert.equal(snapshotFailures(await page()), 3, "timeouts and errors of snapshots only");
  assert.equal(snapshotFailures('sales_dashboard_db_query_failures_total{query="snapshot"} x'), 0);
});
