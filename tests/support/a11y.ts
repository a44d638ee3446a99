/// <reference lib="dom" />
/** axe-core (from npm) injected into a playwright page: the WCAG 2.1 A and AA violations it finds. */
import type { Page } from "playwright-core";

/** The tags of the rules run: WCAG 2.0 and 2.1, levels A and AA. */
const WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

let source: string | null = null;

/** One violation as a line: the rule, its impact and the first few elements it names. */
export interface Violation {
  id: string;
  impact: string | null;
  help: string;
  targets: string[];
}

/**
 * Runs axe-core on the page as it is now (evaluated through the DevTools protocol, which the
 * page's CSP does not apply to) and returns the violations of WCAG 2.1 A and AA.
 */
export async function axeViolations(page: Page): Promise<Violation[]> {
  source ??= await Deno.readTextFile(new URL(import.meta.resolve("axe-core")));
  const loaded = await page.evaluate(() => "axe" in globalThis);
  if (!loaded) await page.evaluate(source);
  return await page.evaluate(async (tags) => {
    const axe = (globalThis as unknown as {
      axe: {
        run(
          context: Document,
          options: unknown,
        ): Promise<
          {
            violations: {
              id: string;
              impact: string | null;
              help: string;
              nodes: { target: unknown[] }[];
            }[];
          }
        >;
      };
    }).axe;
    const result = await axe.run(document, { runOnly: { type: "tag", values: tags } });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 5).map((n) => n.target.join(" ")),
    }));
  }, WCAG_21_AA);
}
