/** Reading the dashboard's HTML in route tests: KPI values and chart data from data-* attributes. */
import assert from "node:assert/strict";

/** The data-value of every data-kpi in an HTML text. */
export function kpiValues(html: string): Record<string, string> {
  const values: Record<string, string> = {};
  for (const m of html.matchAll(/data-kpi="([^"]+)" data-value="([^"]+)"/g)) values[m[1]!] = m[2]!;
  return values;
}

/** Decodes the HTML entities hono writes in attributes. */
export function unescapeAttr(text: string): string {
  return text.replaceAll("&quot;", '"').replaceAll("&#39;", "'").replaceAll("&lt;", "<")
    .replaceAll("&gt;", ">").replaceAll("&amp;", "&");
}

/** A chart's kind, labels, series and ids as its canvas carries them. */
export function chartData(html: string, name: string) {
  const tag = new RegExp(`<canvas data-chart="${name}"[^>]*>`).exec(html)?.[0];
  assert.ok(tag, `canvas ${name} is in the HTML`);
  const attr = (key: string) => {
    const m = new RegExp(`data-${key}="([^"]*)"`).exec(tag);
    return m ? JSON.parse(unescapeAttr(m[1]!)) : undefined;
  };
  const series = attr("series") as { label: string; values: string[] }[];
  return {
    kind: /data-kind="([^"]*)"/.exec(tag)?.[1],
    labels: attr("labels") as string[],
    series,
    /** the first series' values */
    values: series[0]?.values ?? [],
    ids: attr("ids") as string[] | undefined,
  };
}
