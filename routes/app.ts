/** The dashboard's Hono app: secure headers, the token check, and the page, API and static sub-apps. */
import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { requireToken } from "./auth.ts";
import { CSP_DIRECTIVES } from "./csp.ts";
import type { DashboardDeps } from "./deps.ts";
import { apiRoutes } from "./api.ts";
import { assetRoutes } from "./assets.ts";
import { pageRoutes } from "./pages.ts";
import { dashboardMetrics, operationsRoutes } from "./operations.ts";

/** Builds the dashboard app around its collaborators. */
export function createApp(given: DashboardDeps): Hono {
  const deps = { ...given, metrics: given.metrics ?? dashboardMetrics() };
  const app = new Hono();
  const operations = operationsRoutes(deps, deps.metrics);
  app.use(operations.timer);
  app.use(secureHeaders({
    contentSecurityPolicy: Object.fromEntries(
      Object.entries(CSP_DIRECTIVES).map(([name, sources]) => [name, [...sources]]),
    ),
    xFrameOptions: "DENY",
    strictTransportSecurity: false,
  }));
  app.route("/", operations.open); // never behind the token, never any data
  app.use(requireToken(deps.token, deps.failedLogins));
  app.route("/", operations.guarded); // Prometheus sends the token (its authorization block)
  app.route("/", pageRoutes(deps));
  app.route("/api", apiRoutes(deps));
  app.route("/static", assetRoutes());
  app.notFound((c) => c.json({ error: `no route for ${c.req.method} ${c.req.path}` }, 404));
  return app;
}
