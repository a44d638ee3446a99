/**
 * The monthly partitions of `sales` and of the minute log (sql/0012_sales_retention.sql): the
 * writer asks PostgreSQL once per process and month for the partitions of each month it writes;
 * a sale of a month without them lands in the default partition, never in an error.
 */
import type { Sql } from "../infra/db.ts";

/** The first moment (UTC) of the month of `at`. */
export function monthOf(at: Date): Date {
  return new Date(Date.UTC(at.getUTCFullYear(), at.getUTCMonth(), 1));
}

/** The months each database (its pool) was asked for, by their first millisecond. */
const asked = new WeakMap<Sql, Set<number>>();

/**
 * Makes sure the months of `times` have their partitions (sales_partition_ensure(), which the
 * consumer's role may call), asking once per pool and month. A month that cannot be created now
 * (locks held elsewhere beyond 2 s, a month retention dropped) is not an error: its sales go to the
 * default partition, and the month is asked for again on its next write until it answers.
 */
export async function ensureSaleMonths(sql: Sql, times: Date[]): Promise<void> {
  let known = asked.get(sql);
  if (!known) asked.set(sql, known = new Set());
  const months = [...new Set(times.map((t) => monthOf(t).getTime()))].filter((m) => !known.has(m));
  for (const month of months) {
    try {
      await sql`select sales_partition_ensure(${new Date(month)})`;
      known.add(month);
    } catch (error) {
      const code = (error as { code?: string }).code ?? "";
      // lock_not_available, deadlock_detected: another session holds the month's default;
      // duplicate_table: another session made the month at that moment. Asked again next time.
      if (!["55P03", "40P01", "42P07"].includes(code)) throw error;
    }
  }
}
