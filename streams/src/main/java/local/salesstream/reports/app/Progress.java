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
  private Operations operations;
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

  /** Tells `operations` each lag measurement (its metrics and readiness). */
  void tell(Operations operations) {
    this.operations = operations;
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
      if (operations != null) operations.lagMeasured(null, rootCause(e));
    }
    if (current != null && operations != null) operations.lagMeasured(current, null);
    long pendingRows = stats.pendingRows.sum();
    Console.event(String.format("%s, %s; here: %d messages (%.0f/s), %d moved to their sale id's"
            + " task, %d counted, %d duplicates, %d rejected, %d conflicts, %d rows to pass on",
        state, lagText, messages, rate, stats.moved.sum(), stats.counted.sum(),
        stats.duplicates.sum(), stats.rejected.sum(), stats.conflicts.sum(), pendingRows),
        "state", state.toString(),
        "lag", current == null ? null : current.total(),
        "lag_sales", current == null ? null : current.input(),
        "lag_internal", current == null ? null : current.internal(),
        "messages", messages, "messages_per_second", Math.round(rate),
        "moved", stats.moved.sum(), "counted", stats.counted.sum(),
        "duplicates", stats.duplicates.sum(), "rejected", stats.rejected.sum(),
        "conflicts", stats.conflicts.sum(), "pending_rows", pendingRows);
    // Lag 0 alone is not enough: rows summed before the last commit are passed on at the next
    // interval, and only then reach the report topics.
    boolean zero = current != null && current.total() == 0 && pendingRows == 0
        && state == KafkaStreams.State.RUNNING;
    if (zero && !caughtUp) {
      double uptime = Console.uptimeSeconds();
      Console.event(String.format("caught up: lag 0, %.1f s after the process started", uptime),
          "lag", 0, "uptime_seconds", uptime);
    }
    caughtUp = zero;
  }

  /** The simple class name of the exception at the root of `e` (no message: no data). */
  private static String rootCause(Throwable e) {
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) root = root.getCause();
    return root.getClass().getSimpleName();
  }
}
