package local.salesstream.reports.app;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import local.salesstream.reports.topology.ProcessingStats;
import org.apache.kafka.streams.KafkaStreams;

/**
 * Prints the progress line every few seconds: the state, the group's lag (sales topic plus
 * internal topics) and what this instance processed; and a "caught up" line whenever the lag
 * reaches zero with no summed row of this instance waiting to be passed on.
 */
final class Progress {
  private final LagMonitor lag;
  private final KafkaStreams streams;
  private final ProcessingStats stats;
  private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
    Thread t = new Thread(r, "sales-reports-progress");
    t.setDaemon(true);
    return t;
  });
  private long lastMessages;
  private long lastNanos;
  private boolean caughtUp;

  /** Progress of these streams. */
  Progress(LagMonitor lag, KafkaStreams streams, ProcessingStats stats) {
    this.lag = lag;
    this.streams = streams;
    this.stats = stats;
    this.lastNanos = System.nanoTime();
  }

  /** Prints every intervalSeconds (0: never). */
  void start(int intervalSeconds) {
    if (intervalSeconds > 0) {
      timer.scheduleWithFixedDelay(this::report, intervalSeconds, intervalSeconds,
          TimeUnit.SECONDS);
    }
  }

  /** Stops printing. */
  void stop() {
    timer.shutdownNow();
  }

  private void report() {
    long now = System.nanoTime();
    long messages = stats.messages.sum();
    double rate = (messages - lastMessages) / Math.max(1e-9, (now - lastNanos) / 1e9);
    lastMessages = messages;
    lastNanos = now;
    KafkaStreams.State state = streams.state();
    String lagText;
    LagMonitor.Lag current = null;
    try {
      current = lag.measure();
      lagText = "lag " + current.total() + " (sales " + current.input() + ", internal "
          + current.internal() + ")";
    } catch (Exception e) {
      lagText = "lag unknown (" + Main.oneLine(e) + ")";
    }
    long pendingRows = stats.pendingRows.sum();
    Console.info(String.format("%s, %s; here: %d messages (%.0f/s), %d moved to their sale id's"
            + " task, %d counted, %d duplicates, %d rejected, %d conflicts, %d rows to pass on",
        state, lagText, messages, rate, stats.moved.sum(), stats.counted.sum(),
        stats.duplicates.sum(), stats.rejected.sum(), stats.conflicts.sum(), pendingRows));
    // Lag 0 alone is not enough: rows summed before the last commit are passed on at the next
    // interval, and only then reach the report topics.
    boolean zero = current != null && current.total() == 0 && pendingRows == 0
        && state == KafkaStreams.State.RUNNING;
    if (zero && !caughtUp) {
      Console.info(String.format("caught up: lag 0, %.1f s after the process started",
          Console.uptimeSeconds()));
    }
    caughtUp = zero;
  }
}
