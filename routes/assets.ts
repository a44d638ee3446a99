/** GET /static/...: the dashboard's own script and style, and vendor files from node_modules (no CDN). */
import { Hono } from "hono";

const ROOT = new URL("../", import.meta.url);

/** Every file served under /static/, by its URL path: source file and content type. */
const ASSETS: Record<string, { file: URL; type: string; immutable: boolean }> = {
  "dashboard.js": own("static/dashboard.js", "text/javascript; charset=utf-8"),
  "dashboard.css": own("static/dashboard.css", "text/css; charset=utf-8"),
  "favicon.svg": own("static/favicon.svg", "image/svg+xml"),
  "vendor/htmx.min.js": vendor("htmx.org/dist/htmx.min.js", "text/javascript; charset=utf-8"),
  "vendor/chart.umd.js": vendor("chart.js/dist/chart.umd.min.js", "text/javascript; charset=utf-8"),
  "vendor/chartjs-chart-geo.umd.js": vendor(
    "chartjs-chart-geo/build/index.umd.min.js",
    "text/javascript; charset=utf-8",
  ),
  "vendor/states-10m.json": vendor("us-atlas/states-10m.json", "application/json"),
};

function own(path: string, type: string) {
  return { file: new URL(path, ROOT), type, immutable: false };
}

function vendor(path: string, type: string) {
  return { file: new URL(`node_modules/${path}`, ROOT), type, immutable: true };
}

/** The asset routes; files are read once and kept in memory. */
export function assetRoutes(): Hono {
  const cache = new Map<string, Uint8Array<ArrayBuffer>>();
  return new Hono().get("/*", async (c) => {
    const name = c.req.path.replace(/^.*?\/static\//, "");
    const asset = Object.hasOwn(ASSETS, name) ? ASSETS[name] : undefined;
    if (!asset) return c.text("Not found", 404);
    let body = cache.get(name);
    if (!body) {
      body = await Deno.readFile(asset.file);
      cache.set(name, body);
    }
    return c.body(body, 200, {
      "Content-Type": asset.type,
      "Cache-Control": asset.immutable ? "public, max-age=86400" : "no-cache",
    });
  });
}
