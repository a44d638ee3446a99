/**
 * The operations port: /metrics in the text format promtool accepts, /healthz 200, /readyz 200 or
 * 503 with a one-line reason (a hanging or throwing check included), nothing else answered, and a
 * busy or unusable port refused in one sentence naming the setting.
 */
import assert from "node:assert/strict";
import client from "prom-client";
import { ConfigError } from "../../lib/infra/settings.ts";
import {
  createRegistry,
  operationsResponse,
  type Readiness,
  serveMetrics,
} from "../../lib/infra/metrics_server.ts";
import { parseMetrics, promtoolCheck, sum } from "../support/metrics.ts";

const ready: Readiness = () => Promise.resolve(undefined);

async function answer(path: string, readiness = ready, method = "GET") {
  const registry = createRegistry();
  const res = await operationsResponse(
    new Request(`http://x${path}`, { method }),
    registry,
    readiness,
  );
  return { status: res.status, body: await res.text(), type: res.headers.get("content-type") };
}

Deno.test("/healthz answers 200 live; /readyz 200 ready, or 503 with the reason on one line", async () => {
  assert.deepEqual(await answer("/healthz"), {
    status: 200,
    body: '{"status":"live"}\n',
    type: "application/json",
  });
  assert.equal((await answer("/readyz")).body, '{"status":"ready"}\n');
  const hostile = await answer(
    "/readyz",
    () => Promise.resolve('PostgreSQL "down"\n{"status":"ready"}\r\n' + "x".repeat(1000)),
  );
  assert.equal(hostile.status, 503);
  assert.equal(hostile.body.split("\n").length, 2, hostile.body);
  const parsed = JSON.parse(hostile.body);
  assert.equal(parsed.status, "not ready");
  assert.ok(parsed.reason.length <= 300 && !/[\r\n]/.test(parsed.reason), parsed.reason);
});

Deno.test("/readyz answers 503 when a check throws or does not answer within 3 s", async () => {
  const thrown = await answer("/readyz", () => Promise.reject(new Error("boom\nstack")));
  assert.deepEqual(JSON.parse(thrown.body), {
    status: "not ready",
    reason: "check failed: boom stack",
  });
  let timer: ReturnType<typeof setTimeout> | undefined;
  const started = performance.now();
  const hung = await answer(
    "/readyz",
    () => new Promise((resolve) => timer = setTimeout(() => resolve(undefined), 10_000)),
  );
  clearTimeout(timer);
  assert.equal(hung.status, 503);
  assert.match(JSON.parse(hung.body).reason, /did not answer within 3 s/);
  assert.ok(performance.now() - started < 5_000);
});

Deno.test("only /metrics, /healthz and /readyz answer, to GET and HEAD; hostile paths get 404", async () => {
  for (
    const path of [
      "/",
      "/metrics/../api/summary",
      "/api/summary",
      "/%2e%2e/etc/passwd",
      "/metricsx",
    ]
  ) {
    assert.equal((await answer(path)).status, 404, path);
  }
  assert.equal((await answer("/metrics", ready, "POST")).status, 405);
  assert.equal((await answer("/healthz", ready, "HEAD")).status, 200);
});

Deno.test("/metrics is the registry in the text format promtool accepts, with the process metrics", async () => {
  const registry = createRegistry(true);
  const counter = new client.Counter({
    name: "sales_test_things_total",
    help: "things",
    labelNames: ["outcome"],
    registers: [registry],
  });
  counter.inc({ outcome: 'a"b\\c\nd' }, 3);
  const res = await operationsResponse(new Request("http://x/metrics"), registry, ready);
  assert.equal(res.headers.get("content-type"), "text/plain; version=0.0.4; charset=utf-8");
  const text = await res.text();
  await promtoolCheck(text);
  const samples = parseMetrics(text);
  assert.equal(sum(samples, "sales_test_things_total", { outcome: 'a"b\\c\nd' }), 3);
  for (const name of ["process_cpu_seconds_total", "process_resident_memory_bytes"]) {
    assert.ok(sum(samples, name) > 0, name);
  }
  assert.ok(samples.some((s) => s.name === "nodejs_eventloop_lag_seconds"));
});

Deno.test("serveMetrics listens, and a busy port is a ConfigError naming the setting and the address", async () => {
  const registry = createRegistry();
  const server = serveMetrics({
    hostname: "127.0.0.1",
    port: 0,
    registry,
    readiness: ready,
    setting: "METRICS_PORT",
  });
  try {
    const res = await fetch(`http://127.0.0.1:${server.port}/healthz`);
    assert.equal(await res.text(), '{"status":"live"}\n');
    assert.throws(
      () =>
        serveMetrics({
          hostname: "127.0.0.1",
          port: server.port,
          registry,
          readiness: ready,
          setting: "METRICS_PORT",
        }),
      (error: Error) => {
        assert.ok(error instanceof ConfigError);
        assert.equal(
          error.message,
          `METRICS_PORT=${server.port} cannot be used on 127.0.0.1 (address in use): another ` +
            "process, or another instance, listens there; give each instance a port of its own, " +
            "or 0 for none",
        );
        return true;
      },
    );
  } finally {
    await server.close();
  }
});
