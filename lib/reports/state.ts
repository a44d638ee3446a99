/** The six reports as in-memory state: pure updates from sales, and the keyed messages they publish. */
import { cardFingerprint, contentHash, customerKey as customerKeyUnder } from "../core/hashing.ts";
import { centsToDecimal, decimalToCents, divideRounded } from "../core/money.ts";
import { maskEmail } from "../core/redact.ts";
import type { Sale } from "../core/sale.ts";
import { cardHashSecret } from "../infra/secret.ts";
import type { ReportName } from "./topics.ts";

/** Running sums of one dimension value, money in cents. */
interface Sums {
  count: number;
  revenue: bigint;
  cost: bigint;
  label: Record<string, string>;
}

/** A report message: its key and JSON value. */
export interface ReportMessage {
  report: ReportName;
  key: string;
  value: Record<string, unknown>;
}

/**
 * The key of a customer in customer_insights: a keyed hash of the email, never the email. The
 * email is taken as given, like PostgreSQL's customers.email (unique, case-sensitive).
 */
export function customerKey(email: string): string {
  return customerKeyUnder(email, cardHashSecret());
}

/** The hash that tells a re-delivered sale from a conflicting one: the same as PostgreSQL stores. */
function saleHash(sale: Sale): string {
  return contentHash(sale, cardFingerprint(sale.cardNumber, cardHashSecret()));
}

/** What one batch changed: the report keys to publish and the newly counted sales (id, hash). */
export interface Applied {
  changed: Map<ReportName, Set<string>>;
  newSales: [saleId: string, hash: string][];
}

/** Every report's sums by key, plus the sale ids already counted (with their content hash). */
export class ReportState {
  readonly sums = new Map<ReportName, Map<string, Sums>>();
  /** sale id -> content hash of the counted sale ("" when restored without one) */
  readonly seen = new Map<string, string>();
  /**
   * Messages not counted, as PostgreSQL counts them in sales_totals: `rejected` are bad messages
   * and conflicting duplicates (a known sale id with other content), `duplicates` re-deliveries.
   */
  readonly skipped = { rejected: 0, duplicates: 0 };

  /** Restores one stored report value (as published) into the state. */
  restore(report: ReportName, key: string, value: Record<string, unknown>): void {
    const cents = (v: unknown) => (typeof v === "string" ? decimalToCents(v) : 0n);
    const count = Number(value.sales_count ?? value.purchases ?? 0);
    const revenue = cents(value.revenue ?? value.total_spent ?? value.amount);
    const cost = cents(value.cost ?? 0);
    const label: Record<string, string> = {};
    for (const field of ["category", "state", "city", "customer_key", "customer", "card_company"]) {
      if (typeof value[field] === "string") label[field] = value[field] as string;
    }
    this.#table(report).set(key, { count, revenue, cost, label });
    if (report === "total_sales_summary") {
      this.skipped.rejected = Number(value.rejected ?? 0);
      this.skipped.duplicates = Number(value.duplicates ?? 0);
    }
  }

  /** Restores one counted sale from the seen-sales topic. */
  restoreSeen(saleId: string, value: unknown): void {
    this.seen.set(saleId, typeof value === "string" ? value : "");
  }

  /**
   * Adds the sales not seen before and counts `badMessages` (not decodable) as rejected; returns
   * the changed keys per report. A sale id seen again is not counted, as PostgreSQL keeps the
   * first: a re-delivery (same content) counts as a duplicate, other content as rejected.
   */
  apply(sales: Sale[], badMessages = 0): Applied {
    const changed = new Map<ReportName, Set<string>>();
    const newSales: [string, string][] = [];
    const before = { ...this.skipped };
    this.skipped.rejected += badMessages;
    const add = (report: ReportName, key: string, sale: Sale, label: Record<string, string>) => {
      const table = this.#table(report);
      const s = table.get(key) ?? { count: 0, revenue: 0n, cost: 0n, label };
      s.count++;
      s.revenue += BigInt(sale.salePriceCents);
      s.cost += BigInt(sale.costPriceCents);
      table.set(key, s);
      if (!changed.has(report)) changed.set(report, new Set());
      changed.get(report)!.add(key);
    };
    for (const sale of sales) {
      const hash = saleHash(sale);
      const known = this.seen.get(sale.saleId);
      if (known !== undefined) {
        // "" (restored without a hash) cannot tell the two apart: count it as a re-delivery.
        if (known === hash || known === "") this.skipped.duplicates++;
        else this.skipped.rejected++;
        continue;
      }
      this.seen.set(sale.saleId, hash);
      newSales.push([sale.saleId, hash]);
      add("total_sales_summary", "total", sale, {});
      add("sales_by_category", sale.category, sale, { category: sale.category });
      add("sales_by_state", sale.state, sale, { state: sale.state });
      add("sales_by_city", `${sale.state}/${sale.city}`, sale, {
        state: sale.state,
        city: sale.city,
      });
      const key = customerKey(sale.email);
      add("customer_insights", key, sale, { customer_key: key, customer: maskEmail(sale.email) });
      add("credit_card_usage", sale.cardCompany, sale, { card_company: sale.cardCompany });
    }
    const countersMoved = this.skipped.rejected !== before.rejected ||
      this.skipped.duplicates !== before.duplicates;
    if (countersMoved) {
      if (!this.#table("total_sales_summary").has("total")) {
        this.#table("total_sales_summary").set("total", {
          count: 0,
          revenue: 0n,
          cost: 0n,
          label: {},
        });
      }
      if (!changed.has("total_sales_summary")) changed.set("total_sales_summary", new Set());
      changed.get("total_sales_summary")!.add("total");
    }
    return { changed, newSales };
  }

  /** The published value of a report key. */
  message(report: ReportName, key: string): ReportMessage {
    const s = this.#table(report).get(key)!;
    let value: Record<string, unknown>;
    if (report === "customer_insights") {
      value = {
        ...s.label,
        purchases: s.count,
        total_spent: centsToDecimal(s.revenue),
        average_purchase: centsToDecimal(divideRounded(s.revenue, BigInt(s.count))),
      };
    } else if (report === "credit_card_usage") {
      value = { ...s.label, sales_count: s.count, amount: centsToDecimal(s.revenue) };
    } else {
      value = {
        ...s.label,
        sales_count: s.count,
        revenue: centsToDecimal(s.revenue),
        cost: centsToDecimal(s.cost),
        profit: centsToDecimal(s.revenue - s.cost),
      };
      if (report === "total_sales_summary") Object.assign(value, this.skipped);
    }
    return { report, key, value };
  }

  #table(report: ReportName): Map<string, Sums> {
    let table = this.sums.get(report);
    if (!table) this.sums.set(report, table = new Map());
    return table;
  }
}
