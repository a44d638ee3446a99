/** (a) The limit: COPY of the raw records (16 text/numeric columns) into a plain table. */
import { finished } from "node:stream/promises";
import { once } from "node:events";
import type { Sql } from "../../lib/infra/db.ts";
import { RECORD_FIELDS, type SaleRecord } from "../../lib/core/sale.ts";

/** Creates the raw table: the record's 16 fields, prices numeric, everything else text, no index. */
export async function createRawTable(sql: Sql): Promise<void> {
  await sql`
    create table raw_sales (
      sale_id text not null, first_name text not null, last_name text not null,
      email text not null, job_title text not null, credit_card_company text not null,
      credit_card_number text not null, credit_card_expiration_date text not null,
      category text not null, product_name text not null, sale_price numeric(14, 2) not null,
      cost_price numeric(14, 2) not null, street text not null, city text not null,
      state text not null, zipcode text not null)`;
}

/** One record as a line of COPY's text format. */
function copyLine(record: SaleRecord): string {
  return RECORD_FIELDS.map((f) =>
    String(record[f]).replace(
      /[\\\t\n\r]/g,
      (ch) => ch === "\\" ? "\\\\" : ch === "\t" ? "\\t" : ch === "\n" ? "\\n" : "\\r",
    )
  ).join("\t") + "\n";
}

/** COPYs the records in; returns the milliseconds from opening the COPY to its commit. */
export async function copyRecords(sql: Sql, records: SaleRecord[]): Promise<number> {
  const started = performance.now();
  const writable = await sql`copy raw_sales (${sql([...RECORD_FIELDS])}) from stdin`.writable();
  const CHUNK = 1000;
  for (let i = 0; i < records.length; i += CHUNK) {
    let text = "";
    for (const record of records.slice(i, i + CHUNK)) text += copyLine(record);
    if (!writable.write(text)) await once(writable, "drain");
  }
  writable.end();
  await finished(writable);
  const elapsed = performance.now() - started;
  const [{ n }] = await sql`select count(*)::int as n from raw_sales` as unknown as [{ n: number }];
  if (n !== records.length) throw new Error(`COPY stored ${n} rows, expected ${records.length}`);
  return elapsed;
}
