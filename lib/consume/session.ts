/**
 * One time-out for a consumer that stops answering (SIGSTOP, GC pause, frozen VM): Kafka gives
 * its partitions to another member after the session timeout, and PostgreSQL rolls back its open
 * transaction and ends a wait for a lock after the same time, so the new owner is never held up
 * by the frozen one's row locks for longer.
 */
import { ConfigError } from "../infra/config.ts";

/** The consumer's Kafka session timeout when CONSUMER_SESSION_TIMEOUT is not set, in ms. */
export const DEFAULT_SESSION_TIMEOUT_MS = 10_000;

/** The range of session timeouts a Kafka broker accepts by default (group.min/max.session.timeout.ms), in s. */
const SESSION_TIMEOUT_RANGE_S = [6, 1800] as const;

/** Parses CONSUMER_SESSION_TIMEOUT (whole seconds, 6 to 1800) into ms, naming the setting when bad. */
export function sessionTimeoutMs(setting: string, text: string): number {
  const [min, max] = SESSION_TIMEOUT_RANGE_S;
  const seconds = /^\d+$/.test(text.trim()) ? Number(text) : NaN;
  if (!(seconds >= min && seconds <= max)) {
    throw new ConfigError(
      `${setting} must be whole seconds from ${min} to ${max} (the broker's default limits), ` +
        `got "${text}"`,
    );
  }
  return seconds * 1000;
}

/**
 * The PostgreSQL settings of a consumer's sessions for its Kafka session timeout: a transaction
 * left idle that long is rolled back and its session ended (its row locks freed), and a statement
 * that waits that long for a lock fails with 55P03, which the consumer retries.
 */
export function postgresTimeouts(sessionTimeoutMs: number): Record<string, string> {
  return {
    idle_in_transaction_session_timeout: String(sessionTimeoutMs),
    lock_timeout: String(sessionTimeoutMs),
  };
}
