/** The dashboard's reader of the report topics (/kafka, /api/reports): started in the background, retried, never throwing. */
import type { Kafka } from "kafkajs";
import { settledWithin } from "../core/async.ts";
import { missingReportTopics, type Reports, watchReports } from "./read.ts";

/** What one read of the report topics gives. */
export interface ReportsState {
  /** the latest rows of every report, or null while the topics cannot be read */
  reports: Reports | null;
  /** true once everything the topics held when reading began has been read */
  caughtUp: boolean;
  /** why the topics cannot be read; null when they can */
  problem: string | null;
  /** true when Kafka answers but the report topics have not been created yet */
  missing: boolean;
}

/** Reads the report topics for the page; `read()` answers quickly whatever Kafka does. */
export interface ReportsReader {
  /** the report topic prefix (REPORT_TOPIC_PREFIX) */
  readonly prefix: string;
  read(): Promise<ReportsState>;
  /** messages of the report topics not read yet; null while they are not read */
  lag?(): number | null;
  /** Resolves once the topics have been read to their current end (for tests). */
  caughtUp(): Promise<void>;
  close(): Promise<void>;
}

/** Options: how long a read waits for a start in flight, how often a failed start is retried, a logger. */
export interface ReportsReaderOptions {
  waitMs?: number;
  retryMs?: number;
  /** told once when the topics cannot be read and once when they can again */
  log?: (line: string) => void;
}

type Watcher = Awaited<ReturnType<typeof watchReports>>;

/**
 * Mirrors the report topics with `watchReports` once they exist (the reports process creates
 * them; this reader only reads); a failed or early start is retried on a read at most every
 * `retryMs`.
 */
export function kafkaReports(
  kafka: Kafka,
  prefix: string,
  options: ReportsReaderOptions = {},
): ReportsReader {
  const waitMs = options.waitMs ?? 1_500;
  const retryMs = options.retryMs ?? 5_000;
  const log = options.log ?? (() => {});
  let watcher: Watcher | null = null;
  let starting: Promise<void> | null = null;
  let catchingUp: Promise<void> | null = null;
  let caughtUp = false;
  let problem: string | null = null;
  let missing = false;
  let failedAt = 0;
  let closed = false;

  const start = () => {
    starting ??= (async () => {
      try {
        const absent = await missingReportTopics(kafka, prefix);
        if (absent.length > 0) {
          if (!missing) log(`Report topics not created yet (${absent.join(", ")}); waiting`);
          missing = true;
          problem = null;
          failedAt = Date.now();
          return;
        }
        missing = false;
        const started = await watchReports(kafka, prefix);
        if (closed) return await started.stop();
        watcher = started;
        if (problem !== null) log(`Report topics are read again`);
        problem = null;
        catchingUp = started.caughtUp().then(
          () => void (caughtUp = true),
          (error) => log(`Reading the report topics to their end failed: ${describe(error)}`),
        );
      } catch (error) {
        failedAt = Date.now();
        const reason = describe(error);
        missing = false;
        if (problem === null) log(`Report topics unavailable (${reason}); retrying`);
        problem = `Kafka is unreachable or the report topics cannot be read (${reason})`;
      }
    })().finally(() => starting = null);
    return starting;
  };

  const state = (): ReportsState => ({
    reports: watcher ? watcher.current() : null,
    caughtUp: watcher !== null && caughtUp,
    problem: watcher ? null : problem ?? "the report topics are not read yet",
    missing: watcher === null && missing,
  });

  start();
  return {
    prefix,
    async read() {
      if (closed) return state();
      if (!watcher && !starting && Date.now() - failedAt >= retryMs) start();
      await settledWithin(starting, waitMs);
      if (watcher && !caughtUp) await settledWithin(catchingUp, waitMs);
      return state();
    },
    lag: () => watcher?.lag() ?? null,
    async caughtUp() {
      while (starting) await starting;
      if (!watcher) throw new Error(problem ?? "the report topics are not read");
      await watcher.caughtUp();
    },
    async close() {
      closed = true;
      while (starting) await starting;
      await watcher?.stop();
      watcher = null;
    },
  };
}

/** The first line of an error's message, shortened. */
function describe(error: unknown): string {
  const message = (error as { message?: string })?.message ?? String(error);
  return message.split("\n")[0]!.slice(0, 200);
}
