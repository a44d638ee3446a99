/**
 * PostgreSQL outages as the consumer sees them: which errors mean "PostgreSQL does not answer"
 * (a crash, a restart, a failover, a lost connection), how long to wait before trying again, and
 * one log line when an outage starts and one when it ends, however many partitions wait and retry.
 */

/** Connection-level error codes of postgres.js and the network: the server was not reached or went away. */
const CONNECTION_CODES = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ECONNABORTED",
  "EPIPE",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "ENOTFOUND",
  "EAI_AGAIN",
  "CONNECT_TIMEOUT",
  "CONNECTION_CLOSED",
  "CONNECTION_ENDED",
  "CONNECTION_DESTROYED",
]);

/**
 * SQLSTATEs of a server going away or not taking sessions yet: an idle transaction timed out
 * (25P03), shutdown or crash of the server (57P01, 57P02), still starting or recovering (57P03),
 * and too many connections (53300).
 */
const SERVER_GONE_CODES = new Set(["25P03", "57P01", "57P02", "57P03", "53300"]);

/** The code of an error (postgres.js, PostgreSQL, or the network), or "". */
function codeOf(error: unknown): string {
  return (error as { code?: unknown })?.code?.toString() ?? "";
}

/** True when an error means PostgreSQL cannot be reached or ended the session, not bad data or SQL. */
export function isConnectionLoss(error: unknown): boolean {
  const code = codeOf(error);
  return CONNECTION_CODES.has(code) || SERVER_GONE_CODES.has(code) || code.startsWith("08");
}

/** The longest wait between two tries while PostgreSQL does not answer, in ms. */
const OUTAGE_MAX_RETRY_MS = 4_000;

/** The wait before try `attempt + 1` (0.5 s doubling, at most OUTAGE_MAX_RETRY_MS), in ms. */
export function outageRetryDelay(attempt: number): number {
  return Math.min(OUTAGE_MAX_RETRY_MS, 500 * 2 ** attempt);
}

/** One line for an error: its code and the first line of its message. */
function describe(error: unknown): string {
  const code = codeOf(error) || (error as Error)?.name || "Error";
  const message = ((error as Error)?.message ?? String(error)).split("\n")[0]!;
  return message.includes(code) ? message : `${code}: ${message}`;
}

/**
 * The consumer's view of PostgreSQL: answering or not. `failed` and `answered` may be called by
 * every partition on every try; a line is logged only when the state changes. Each failure also
 * calls `renew`, which replaces the client whose connection was lost (renewClient() of
 * lib/infra/db.ts): a connection lost inside a transaction is not to be used again.
 */
export class DatabaseOutage {
  #since: number | undefined;
  #failures = 0;

  constructor(
    private readonly notice: (line: string) => void,
    private readonly renew: () => void = () => {},
  ) {}

  /** True while PostgreSQL does not answer. */
  get down(): boolean {
    return this.#since !== undefined;
  }

  /** A step failed because PostgreSQL did not answer (isConnectionLoss); logs the start of an outage. */
  failed(error: unknown): void {
    this.renew();
    this.#failures++;
    if (this.#since !== undefined) return;
    this.#since = performance.now();
    this.notice(
      `PostgreSQL does not answer (${describe(error)}): the partitions wait and try again ` +
        `every ${OUTAGE_MAX_RETRY_MS / 1000} s at most; nothing is skipped`,
    );
  }

  /** A step reached PostgreSQL; logs the end of an outage. */
  answered(): void {
    if (this.#since === undefined) return;
    const seconds = ((performance.now() - this.#since) / 1000).toFixed(1);
    this.notice(
      `PostgreSQL answers again after ${seconds} s (${this.#failures} failed tries); ` +
        "resuming from the offsets stored in PostgreSQL",
    );
    this.#since = undefined;
    this.#failures = 0;
  }
}
