/**
 * One time-out for a consumer that stops answering (SIGSTOP, GC pause, frozen VM): Kafka gives
 * its partitions to another member after the session timeout, and PostgreSQL rolls back its open
 * transaction and ends a wait for a lock after the same time, so the new owner is never held up
 * by the frozen one's row locks for longer.
 */
import { settingDefault } from "../infra/settings.ts";

/** The consumer's Kafka session timeout when CONSUMER_SESSION_TIMEOUT is not set, in ms. */
export const DEFAULT_SESSION_TIMEOUT_MS = settingDefault("sessionTimeoutMs");

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
