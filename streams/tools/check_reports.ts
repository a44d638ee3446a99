/**
 * Checks the six report topics row by row against sums computed here from the same generated sales
 * that `deno task produce --generate N --seed S` sent, once or more (each sale counted once; keyed
 * customer hashes under the project's card-hash key). Used for the 1M run in BENCHMARKS.md:
 *
 *   KAFKA_BROKERS=localhost:9692 deno run -A streams/tools/check_reports.ts 1000000 16 [N S ...]
 *      [--prefix P]
 *
 * Prints one line per report and exits 0 when every row is exact, 1 otherwise.
 */
import { decode } from "../../lib/core/decode.ts";
import { customerKey } from "../../lib/core/hashing.ts";
import { centsToDecimal } from "../../lib/core/money.ts";
import { maskEmail } from "../../lib/core/redact.ts";
import { loadConfig } from "../../lib/infra/config.ts";
import { createKafka, quietKafkaTimerWarnings } from "../../lib/infra/kafka.ts";
import { cardHashSecret } from "../../lib/infra/secret.ts";
import { generateSales } from "../../lib/produce/generate.ts";
import { missingReportTopics, watchReports } from "../../lib/reports/read.ts";
import type { ReportName } from "../../lib/reports/topics.ts";

type Row = Record<string, unknown>;
type Sums = { count: number; revenue: bigint; cost: bigint; customer?: string };

/** The key of a published row, as the reports key it. */
function rowKey(report: ReportName, r: Row): string {
  if (report === "total_sales_summary") return "total";
  if (report === "sales_by_city") return `${r.state}/${r.city}`;
  return String(r.category ?? r.state ?? r.customer_key ?? r.card_company);
}

/** Every report's rows as the sales of each [n, seed] should make them. */
function expected(sets: [number, number][]): Map<ReportName, Map<string, Sums>> {
  const secret = cardHashSecret();
  const tables = new Map<ReportName, Map<string, Sums>>();
  const add = (report: ReportName, key: string, price: bigint, cost: bigint, customer?: string) => {
    if (!tables.has(report)) tables.set(report, new Map());
    const table = tables.get(report)!;
    const s = table.get(key) ?? { count: 0, revenue: 0n, cost: 0n, customer };
    s.count++;
    s.revenue += price;
    s.cost += cost;
    table.set(key, s);
  };
  const seen = new Set<string>();
  const encoder = new TextEncoder();
  const records = sets.flatMap(([n, seed]) => [...generateSales(n, seed)]);
  for (const record of records) {
    const decoded = decode(encoder.encode(JSON.stringify(record)));
    if (!decoded.ok || seen.has(decoded.sale.saleId)) continue;
    const sale = decoded.sale;
    seen.add(sale.saleId);
    const [p, c] = [BigInt(sale.salePriceCents), BigInt(sale.costPriceCents)];
    add("total_sales_summary", "total", p, c);
    add("sales_by_category", sale.category, p, c);
    add("sales_by_state", sale.state, p, c);
    add("sales_by_city", `${sale.state}/${sale.city}`, p, c);
    add("customer_insights", customerKey(sale.email, secret), p, c, maskEmail(sale.email));
    add("credit_card_usage", sale.cardCompany, p, c);
  }
  return tables;
}

if (import.meta.main) {
  const args = [...Deno.args];
  const at = args.indexOf("--prefix");
  const prefix = at === -1 ? "" : args.splice(at, 2)[1] ?? "";
  if (args.length < 2 || args.length % 2 || args.some((a) => !/^\d+$/.test(a))) {
    console.error(
      "Usage: deno run -A streams/tools/check_reports.ts N SEED [N SEED ...] [--prefix P]",
    );
    Deno.exit(2);
  }
  const sets = args.flatMap((a, i) => i % 2 ? [] : [[Number(a), Number(args[i + 1])]]);
  const want = expected(sets as [number, number][]);
  quietKafkaTimerWarnings();
  const kafka = createKafka(loadConfig().kafkaBrokers, "check-reports");
  const missing = await missingReportTopics(kafka, prefix);
  if (missing.length) {
    console.error(`no such report topics: ${missing.join(", ")}`);
    Deno.exit(1);
  }
  const reader = await watchReports(kafka, prefix);
  await reader.caughtUp();
  const got = reader.current();
  await reader.stop();
  let wrong = 0;
  for (const [report, rows] of want) {
    const published = new Map(got[report].map((r) => [rowKey(report, r), r]));
    let bad = published.size === rows.size ? 0 : 1;
    for (const [key, s] of rows) {
      const r = published.get(key);
      const exact = r !== undefined &&
        (r.sales_count ?? r.purchases) === s.count &&
        (r.revenue ?? r.total_spent ?? r.amount) === centsToDecimal(s.revenue) &&
        (r.cost === undefined || r.cost === centsToDecimal(s.cost)) &&
        (s.customer === undefined || r.customer === s.customer);
      if (!exact) bad++;
    }
    wrong += bad;
    console.log(
      `${report}: ${rows.size} rows expected, ${published.size} published, ${bad} wrong`,
    );
  }
  console.log(wrong ? `${wrong} rows differ` : "every row of the six reports is exact");
  Deno.exit(wrong ? 1 : 0);
}
