/**
 * Every page of views/registry.ts: GET PATH renders it whole (it works with JavaScript off), and
 * GET /fragments/NAME renders one of its polled panels alone, the same component, for htmx.
 */
import { Hono } from "hono";
import type { AnyPage, Panel } from "../views/shared/page.ts";
import type { DashboardDeps } from "./deps.ts";
import { createRenderCache } from "./render_cache.ts";
import { PageShell, SelectionErrorPage } from "../views/shared/layout.tsx";
import { PAGES } from "../views/registry.ts";
import { SelectionError } from "../views/shared/url_selection.ts";

/** The URL parameters a page or fragment reads; no other parameter reaches a cache key. */
const KNOWN_PARAMS = new Set([
  "range",
  "from",
  "to",
  "tz",
  "state",
  "category",
  "card",
  "product",
  "refresh",
]);

/** Each polled panel by fragment name, with the page it belongs to (names are unique). */
function panelsByName(pages: readonly AnyPage[]): Map<string, [AnyPage, Panel<unknown>]> {
  const panels = new Map<string, [AnyPage, Panel<unknown>]>();
  for (const page of pages) {
    for (const [name, panel] of Object.entries(page.panels)) {
      if (panels.has(name)) throw new Error(`two pages have a panel named "${name}"`);
      panels.set(name, [page, panel as Panel<unknown>]);
    }
  }
  return panels;
}

/** The page and fragment routes. */
export function pageRoutes(deps: DashboardDeps, pages: readonly AnyPage[] = PAGES): Hono {
  const links = pages.map(({ path, label }) => ({ path, label }));
  const panels = panelsByName(pages);
  const rendered = createRenderCache();
  const app = new Hono();
  for (const page of pages) {
    app.get(page.path, async (c) => {
      const query = new URL(c.req.url).searchParams;
      let view;
      try {
        view = page.view(await page.read(deps, query), query);
      } catch (error) {
        if (!(error instanceof SelectionError)) throw error;
        c.header("Cache-Control", "no-store");
        const html = await SelectionErrorPage({ path: page.path, message: error.message });
        return c.html(`<!doctype html>${html}`, 400);
      }
      c.header("Cache-Control", "no-store");
      const html = await PageShell({
        title: page.title,
        path: page.path,
        refresh: view.refresh,
        links,
        sidebar: page.sidebar({ view }),
        controls: page.controls?.(view),
        children: page.main({ view }),
      });
      return c.html(`<!doctype html>${html}`);
    });
  }
  app.get("/fragments/:name", async (c) => {
    const found = panels.get(c.req.param("name"));
    if (!found) return c.text("No such fragment", 404);
    const [page, panel] = found;
    const query = new URL(c.req.url).searchParams;
    c.header("Cache-Control", "no-store");
    let inputs;
    try {
      inputs = await page.read(deps, query); // reads the selection: a bad date throws here
    } catch (error) {
      if (!(error instanceof SelectionError)) throw error;
      return c.text(error.message, 400);
    }
    const render = async () => String(await panel({ view: page.view(inputs, query) }));
    if (!page.identity) return c.html(await render());
    const key = `${c.req.param("name")}?${canonical(query)}`;
    return c.html(await rendered.get(key, page.identity(inputs), render));
  });
  return app;
}

/**
 * The parameters a page reads, in a fixed order, so equal queries share one cached rendering and
 * unknown parameters never make new ones.
 */
function canonical(query: URLSearchParams): string {
  const sorted = new URLSearchParams([...query].filter(([name]) => KNOWN_PARAMS.has(name)));
  sorted.sort();
  return sorted.toString();
}
