/** (b) Our consumer end-to-end: consumer.ts as its own process, from spawn to every offset stored. */
import { connect } from "../../lib/infra/db.ts";
import { findDrift } from "../../lib/store/verify.ts";
import { sleep } from "../../lib/core/async.ts";
import { taskDenoFlags } from "../../lib/infra/tasks.ts";
import type { Resources } from "./resources.ts";
import { cpuMs, peakRssMb } from "./proc.ts";

const CONSUMER = new URL("../../consumer.ts", import.meta.url).pathname;

/** What the consumer run measured. */
export interface ConsumerResult {
  /** spawn until the stored offsets sum to N */
  ms: number;
  /** first stored offset until the last (excludes start-up and the group join) */
  steadyMs: number;
  /** N minus the offsets stored at the first observation (the records in the steady window) */
  steadyRecords: number;
  peakRssMb: number;
  /** CPU time per sale in µs: the consumer's main thread, its other threads, the PostgreSQL backends */
  cpuUs: { main: number; other: number; postgres: number };
  sales: number;
  /** aggregate rows that differ from a GROUP BY over `sales`; null when not checked */
  drift: number | null;
  /**
   * polls (every 50 ms) that saw a session of the database waiting for a lock, the polls, and
   * how often each waiting statement (its first words) was seen
   */
  lockWaits: { seen: number; polls: number; statements: Record<string, number> };
  exitCode: number | null;
}

/** Spawns consumer.ts on the topic and times it until `n` offsets are stored; then checks exactness. */
export async function runConsumer(options: {
  resources: Resources;
  url: string;
  brokers: string[];
  topic: string;
  group: string;
  partitions: number;
  n: number;
  concurrency?: number;
  /** give up when no offset moves for this long */
  stallMs?: number;
  /** compare every aggregate with `sales` at the end (default true; minutes at 10M sales) */
  checkDrift?: boolean;
  progress: (line: string) => void;
}): Promise<ConsumerResult> {
  const { resources, url, topic, group, n } = options;
  const stallMs = options.stallMs ?? 30_000;
  const sql = connect(url, { max: 1 });
  try {
    const lockWaits = { seen: 0, polls: 0, statements: {} as Record<string, number> };
    // The offsets stored so far, and which sessions of the database wait for a lock: the lock's
    // kind (transactionid, tuple: a row another transaction holds; extend: the table growing) and
    // the start of the waiting statement.
    const stored = async () => {
      const [r] = await sql`
        select
          (select coalesce(sum(next_offset), 0)::bigint::text from consumer_offsets
            where group_id = ${group} and topic = ${topic}) as n,
          (select coalesce(json_agg(wait_event || ': ' ||
              regexp_replace(left(query, 48), '[[:space:]]+', ' ', 'g')), '[]')
            from pg_stat_activity
            where datname = current_database() and wait_event_type = 'Lock') as waiting`;
      lockWaits.polls++;
      const waiting = r!.waiting as string[];
      if (waiting.length > 0) lockWaits.seen++;
      for (const q of waiting) lockWaits.statements[q] = (lockWaits.statements[q] ?? 0) + 1;
      return Number(r!.n);
    };
    const args = [
      "--quiet",
      "--metrics-port", // the counters still run; no port another consumer may hold
      "0",
      "--brokers",
      options.brokers.join(","),
      "--topic",
      topic,
      "--group",
      group,
      "--partitions",
      String(options.partitions),
      "--database-url",
      url,
    ];
    if (options.concurrency) args.push("--concurrency", String(options.concurrency));
    const started = performance.now();
    // With the Deno flags `deno task consume` uses (a capped V8 heap), as in production.
    const child = resources.spawnDeno("consumer", CONSUMER, args, taskDenoFlags("consume"));
    let firstAt = NaN, firstCount = 0, lastChange = started, last = 0, lastLog = started;
    for (;;) {
      const now = performance.now();
      const done = await stored();
      if (done > 0 && Number.isNaN(firstAt)) [firstAt, firstCount] = [now, done];
      if (done !== last) [last, lastChange] = [done, now];
      if (done >= n) break;
      if (now - lastLog > 5_000) {
        options.progress(`consumer: ${done}/${n} offsets stored`);
        lastLog = now;
      }
      const exited = await Promise.race([child.process.status, sleep(50).then(() => null)]);
      if (exited) {
        throw new Error(
          `consumer.ts exited with code ${exited.code} after ${done}/${n} offsets:\n${child.stderrTail()}`,
        );
      }
      if (now - lastChange > stallMs) {
        throw new Error(
          `consumer.ts stored no offset for ${
            stallMs / 1000
          } s (at ${done}/${n}):\n${child.stderrTail()}`,
        );
      }
    }
    const ended = performance.now();
    const rss = peakRssMb(child.process.pid);
    const pid = child.process.pid;
    // The consumer's backends (PostgreSQL on this host): every other client session of its
    // database (not an autovacuum worker that happens to run on it at this moment).
    const backends = await sql`
      select pid from pg_stat_activity
      where datname = current_database() and pid <> pg_backend_pid()
        and backend_type = 'client backend'`;
    const postgresMs = backends.reduce((sum, r) => sum + cpuMs(`/proc/${r.pid}/stat`), 0);
    const mainMs = cpuMs(`/proc/${pid}/task/${pid}/stat`);
    const cpuUs = {
      main: (mainMs * 1000) / n,
      other: ((cpuMs(`/proc/${pid}/stat`) - mainMs) * 1000) / n,
      postgres: (postgresMs * 1000) / n,
    };
    const status = await resources.stop(child, 20_000);
    const [{ sales }] = await sql`select count(*)::int as sales from sales` as unknown as [
      { sales: number },
    ];
    const drift = options.checkDrift === false ? null : (await findDrift(sql)).length;
    return {
      ms: ended - started,
      steadyMs: ended - firstAt,
      steadyRecords: n - firstCount,
      peakRssMb: rss,
      cpuUs,
      sales,
      drift,
      lockWaits,
      exitCode: status.code,
    };
  } finally {
    await sql.end({ timeout: 5 });
  }
}
