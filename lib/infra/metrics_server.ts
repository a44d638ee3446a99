/**
 * A process' operations port: /metrics in the Prometheus text format (prom-client), /healthz
 * (live: the process answers) and /readyz (ready: what `readiness` checks), never any sales data.
 * The consumer serves it on METRICS_PORT; the dashboard answers the same paths on its own port.
 */
import client from "prom-client";
import { ConfigError } from "./settings.ts";

/** A registry of metrics: what /metrics shows. */
export type Registry = client.Registry;

/** The answer of a readiness check: undefined when ready, else the reason in a few words. */
export type Readiness = () => Promise<string | undefined>;

/** How long /readyz waits for its checks before it answers 503. */
const READINESS_TIMEOUT_MS = 3_000;

/** prom-client's default gauges whose names end in _total. */
const NOT_COUNTERS = [
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
];

/** A new registry; with `processMetrics`, prom-client's default metrics (CPU, memory, event loop). */
export function createRegistry(processMetrics = false): Registry {
  const registry = new client.Registry();
  if (!processMetrics) return registry;
  client.collectDefaultMetrics({ register: registry });
  // Gauges named like counters, which promtool refuses; their numbers say little under Deno.
  for (const name of NOT_COUNTERS) registry.removeSingleMetric(name);
  return registry;
}

/** The body of /healthz: the process answers. */
export function healthResponse(): Response {
  return json(200, { status: "live" });
}

/** /readyz: 200 `{"status":"ready"}` or 503 with the reason on one line; a check that hangs is a reason. */
export async function readinessResponse(readiness: Readiness): Promise<Response> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let reason: string | undefined;
  try {
    reason = await Promise.race([
      readiness(),
      new Promise<string>((resolve) => {
        timer = setTimeout(
          () => resolve(`the checks did not answer within ${READINESS_TIMEOUT_MS / 1000} s`),
          READINESS_TIMEOUT_MS,
        );
      }),
    ]);
  } catch (error) {
    reason = `check failed: ${(error as Error)?.message ?? String(error)}`;
  } finally {
    clearTimeout(timer);
  }
  if (reason === undefined) return json(200, { status: "ready" });
  return json(503, { status: "not ready", reason: oneLine(reason) });
}

/** /metrics: the registry in the Prometheus text format. */
export async function metricsResponse(registry: Registry): Promise<Response> {
  return new Response(await registry.metrics(), {
    headers: { "content-type": registry.contentType, "cache-control": "no-store" },
  });
}

/** A running operations server. */
export interface MetricsServer {
  /** the port it listens on (the one asked for, or the one the system gave for 0 in tests) */
  port: number;
  close(): Promise<void>;
}

/** Where the server listens and what it answers; `setting` names the port's setting in errors. */
export interface MetricsServerOptions {
  hostname: string;
  port: number;
  registry: Registry;
  readiness: Readiness;
  /** e.g. "METRICS_PORT": named in the sentence when the port cannot be used */
  setting: string;
}

/**
 * Serves /metrics, /healthz and /readyz on its own port. A port that cannot be used (another
 * process listens there, no permission, an unknown host) is a ConfigError naming the setting.
 */
export function serveMetrics(options: MetricsServerOptions): MetricsServer {
  const { hostname, port, registry, readiness, setting } = options;
  const controller = new AbortController();
  let server: Deno.HttpServer<Deno.NetAddr>;
  try {
    server = Deno.serve({
      hostname,
      port,
      signal: controller.signal,
      onListen: () => {},
      onError: () => json(500, { error: "internal error" }),
    }, (request) => operationsResponse(request, registry, readiness));
  } catch (error) {
    const reason = error instanceof Deno.errors.AddrInUse
      ? "address in use"
      : ((error as Error)?.message ?? String(error)).split("\n")[0];
    throw new ConfigError(
      `${setting}=${port} cannot be used on ${hostname} (${reason}): another process, or ` +
        "another instance, listens there; give each instance a port of its own, or 0 for none",
    );
  }
  return {
    port: server.addr.port,
    async close() {
      controller.abort();
      await server.finished;
    },
  };
}

/** The answer to one request on the operations port: three paths, GET or HEAD only. */
export async function operationsResponse(
  request: Request,
  registry: Registry,
  readiness: Readiness,
): Promise<Response> {
  const path = new URL(request.url).pathname;
  if (!["/metrics", "/healthz", "/readyz"].includes(path)) {
    return json(404, { error: "not found; this port serves /metrics, /healthz and /readyz" });
  }
  if (request.method !== "GET" && request.method !== "HEAD") {
    return json(405, { error: "only GET and HEAD" });
  }
  if (path === "/healthz") return healthResponse();
  if (path === "/readyz") return await readinessResponse(readiness);
  return await metricsResponse(registry);
}

/** Text on one line, at most 300 characters. */
function oneLine(text: string): string {
  return text.replace(/\s*[\r\n]+\s*/g, " ").slice(0, 300);
}

function json(status: number, body: unknown): Response {
  return new Response(`${JSON.stringify(body)}\n`, {
    status,
    headers: { "content-type": "application/json", "cache-control": "no-store" },
  });
}
