/**
 * The dashboard's operations side against a real database: /healthz and /readyz answer without
 * the token and show no data, /metrics needs the token when one is set, requests are measured by
 * route pattern (hostile URLs do not make new labels), PostgreSQL reads are timed, and /readyz
 * turns 503 with a one-line reason when PostgreSQL does not answer.
 */
import assert from "node:assert/strict";
import { createApp } from "../../routes/app.ts";
import { FailedLogins } from "../../routes/auth.ts";
import type { DashboardDeps } from "../../routes/deps.ts";
import { dashboardMetrics } from "../../routes/operations.ts";
import { connect } from "../../lib/infra/db.ts";
import { createSnapshotStores, loadSnapshot } from "../../lib/store/snapshot.ts";
import { parseMetrics, promtoolCheck, sum } from "../support/metrics.ts";
import { createTestDatabase, holdTableLock, type TestDatabase } from "../support/services.ts";

const TOKEN = "operations-test-token-0123456789";

function deps(db: TestDatabase, token?: string): DashboardDeps {
  const metrics = dashboardMetrics();
  const source = { groupId: "g", topic: "t" };
  return {
    sql: db.sql,
    stores: createSnapshotStores((spec) =>
      metrics.timeQuery("snapshot", () => loadSnapshot(db.sql, source, spec))
    ),
    endOffsets: null,
    token,
    metrics,
    failedLogins: new FailedLogins({ delayMs: 0, limit: 1_000 }),
  };
}

const bearer = { authorization: `Bearer ${TOKEN}` };

Deno.test({
  name:
    "/healthz and /readyz answer without the token and show no data; /metrics needs it, as Prometheus sends it",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const db = await createTestDatabase();
    try {
      const d = deps(db, TOKEN);
      const app = createApp(d);
      const health = await app.request("/healthz");
      assert.equal(health.status, 200);
      assert.equal(await health.text(), '{"status":"live"}\n');
      const ready = await app.request("/readyz");
      assert.equal(await ready.text(), '{"status":"ready"}\n');
      assert.equal(ready.status, 200);
      assert.equal((await app.request("/metrics")).status, 401);
      assert.equal(
        (await app.request("/metrics", { headers: { authorization: "Bearer wrong" } })).status,
        401,
      );
      const page = await app.request("/metrics", { headers: bearer });
      assert.equal(page.status, 200);
      const text = await page.text();
      await promtoolCheck(text);
      assert.ok(!text.includes(TOKEN), "the token is not on the page");
      // Basic auth with the token as the password works as for the pages.
      const basic = `Basic ${btoa(`prometheus:${TOKEN}`)}`;
      assert.equal(
        (await app.request("/metrics", { headers: { authorization: basic } })).status,
        200,
      );
      // Without a token set, /metrics is open.
      assert.equal((await createApp(deps(db)).request("/metrics")).status, 200);
    } finally {
      await db.close();
    }
  },
});

Deno.test({
  name:
    "requests are measured by route pattern and status: hostile URLs count under their pattern or as unmatched, never as new labels",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const db = await createTestDatabase();
    try {
      const d = deps(db);
      const app = createApp(d);
      assert.equal((await app.request("/api/summary")).status, 200);
      assert.equal((await app.request("/api/breakdown/category")).status, 200);
      const hostile = [
        "/api/breakdown/%3Cscript%3E",
        "/api/breakdown/state?x=" + "a".repeat(2000),
        ...Array.from({ length: 50 }, (_, i) => `/nope/${i}/${crypto.randomUUID()}`),
        "/%2e%2e/%2e%2e/etc/passwd",
        '/"}\nfake_metric 1',
      ];
      for (const path of hostile) await (await app.request(path)).body?.cancel();
      const text = await (await app.request("/metrics")).text();
      await promtoolCheck(text);
      const samples = parseMetrics(text).filter((s) =>
        s.name === "http_server_request_duration_seconds_count"
      );
      const routes = [...new Set(samples.map((s) => s.labels.route))].sort();
      assert.deepEqual(routes, [
        "/api/breakdown/:kind",
        "/api/summary",
        "unmatched",
      ]);
      const count = (route: string, status: string) =>
        sum(samples, "http_server_request_duration_seconds_count", { route, status });
      assert.equal(count("/api/summary", "200"), 1);
      assert.equal(count("/api/breakdown/:kind", "200"), 2);
      assert.equal(count("/api/breakdown/:kind", "404") + count("unmatched", "404"), 53);
      assert.ok(!text.includes("fake_metric 1\n"));
      const all = parseMetrics(text);
      assert.ok(
        sum(all, "sales_dashboard_db_query_duration_seconds_count", { query: "snapshot" }) >= 1,
      );
      assert.equal(
        sum(all, "sales_dashboard_db_query_duration_seconds_count", { query: "breakdown" }),
        2,
      );
      assert.equal(sum(all, "sales_dashboard_db_connections_in_use"), 0);
      assert.equal(sum(all, "sales_dashboard_db_connections_max"), 4);
    } finally {
      await db.close();
    }
  },
});

Deno.test({
  name: "/readyz answers 503 with a one-line reason while PostgreSQL does not answer",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const sql = connect("postgres://postgres@127.0.0.1:1/sales", { max: 1, connect_timeout: 1 });
    try {
      const app = createApp({
        sql,
        stores: createSnapshotStores(() => Promise.reject(new Error("no database"))),
        endOffsets: null,
        token: TOKEN,
      });
      const res = await app.request("/readyz");
      assert.equal(res.status, 503);
      assert.equal(
        await res.text(),
        '{"status":"not ready","reason":"PostgreSQL does not answer (ECONNREFUSED)"}\n',
      );
    } finally {
      await sql.end({ timeout: 1 });
    }
  },
});

Deno.test({
  name:
    "failed PostgreSQL reads are counted by what they read and why: a statement timeout apart from an unreachable server",
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const db = await createTestDatabase();
    const short = connect(db.url, { max: 1, connection: { statement_timeout: 300 } });
    const nowhere = connect("postgres://postgres@127.0.0.1:1/sales", {
      max: 1,
      connect_timeout: 1,
    });
    const failures = (text: string, query: string, reason: string) =>
      sum(parseMetrics(text), "sales_dashboard_db_query_failures_total", { query, reason });
    try {
      const metrics = dashboardMetrics();
      const app = createApp({
        sql: short,
        stores: createSnapshotStores((spec) =>
          metrics.timeQuery(
            "snapshot",
            () => loadSnapshot(nowhere, { groupId: "g", topic: "t" }, spec),
          )
        ),
        endOffsets: null,
        metrics,
        failedLogins: new FailedLogins({ delayMs: 0, limit: 1_000 }),
      });
      const before = await (await app.request("/metrics")).text();
      await promtoolCheck(before);
      for (const query of ["snapshot", "breakdown"]) {
        for (const reason of ["timeout", "error"]) {
          assert.ok(
            before.includes(
              `sales_dashboard_db_query_failures_total{query="${query}",reason="${reason}"} 0`,
            ),
            `${query}/${reason} is at 0 before any failure`,
          );
        }
      }
      assert.equal((await app.request("/api/breakdown/category")).status, 200);
      const held = await holdTableLock(db, "agg_category", 1_000);
      assert.equal((await app.request("/api/breakdown/category")).status, 504);
      assert.equal((await app.request("/api/breakdown/category?format=csv")).status, 504);
      await held.released;
      await (await app.request("/")).body?.cancel(); // its snapshot's server refuses
      const after = await (await app.request("/metrics")).text();
      await promtoolCheck(after);
      assert.equal(failures(after, "breakdown", "timeout"), 2);
      assert.equal(failures(after, "breakdown", "error"), 0);
      assert.equal(failures(after, "snapshot", "error"), 1);
      assert.equal(failures(after, "snapshot", "timeout"), 0);
      assert.equal(sum(parseMetrics(after), "sales_dashboard_db_connections_in_use"), 0);
    } finally {
      await short.end({ timeout: 5 });
      await nowhere.end({ timeout: 1 });
      await db.close();
    }
  },
});
