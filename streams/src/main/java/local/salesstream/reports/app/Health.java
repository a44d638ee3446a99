package local.salesstream.reports.app;

import java.util.Set;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.ThreadMetadata;

/**
 * Whether the process is live and ready, for /healthz and /readyz, with the reason in a few words
 * (never any data).
 *
 * <p>Live: the process answers, unless Kafka Streams failed (ERROR: the process is stopping).
 *
 * <p>Ready: Kafka Streams is RUNNING with every stream thread alive, and Kafka answered the last
 * lag measurement (the progress line's, every REPORTS_PROGRESS_S). REBALANCING counts as ready
 * once the instance has been RUNNING: under Kafka Streams' cooperative rebalancing an instance
 * goes on processing the tasks it keeps while the group moves others (a new instance, a probing
 * rebalance for a warmed-up copy), so readiness does not flap with every rebalance. Not ready:
 * while the topics are prepared, the first REBALANCING (joining the group, restoring state), a
 * stream thread that died (fewer alive than REPORTS_THREADS), a stop (PENDING_SHUTDOWN,
 * NOT_RUNNING) or a failure (PENDING_ERROR, ERROR), and Kafka not answering.
 */
final class Health {
  /** An answer: healthy or not, and why not (null when healthy). */
  record Answer(boolean ok, String reason) {}

  private final int threads;
  private volatile KafkaStreams streams;
  private volatile boolean wasRunning;
  private volatile String kafkaProblem;
  private volatile String threadFailure;

  /** The health of an instance with this many stream threads (REPORTS_THREADS). */
  Health(int threads) {
    this.threads = threads;
  }

  /** From now on the state is this Kafka Streams'. */
  void watch(KafkaStreams streams) {
    this.streams = streams;
  }

  /** Kafka Streams changed state (its state listener). */
  void stateChanged(KafkaStreams.State now) {
    if (now == KafkaStreams.State.RUNNING) wasRunning = true;
  }

  /** A stream thread died of this exception (one line). */
  void threadFailed(String reason) {
    threadFailure = reason;
  }

  /** The last lag measurement: null when Kafka answered, else why not (one line). */
  void lagMeasured(String problem) {
    kafkaProblem = problem;
  }

  /** Whether the process is live. */
  Answer live() {
    KafkaStreams s = streams;
    if (s == null) return new Answer(true, null);
    KafkaStreams.State state = s.state();
    if (state == KafkaStreams.State.ERROR || state == KafkaStreams.State.PENDING_ERROR) {
      return new Answer(false, "Kafka Streams failed (" + state + "); the process stops");
    }
    return new Answer(true, null);
  }

  /** Whether the process is ready. */
  Answer ready() {
    KafkaStreams s = streams;
    if (s == null) return readiness(null, false, 0, threads, null, null);
    KafkaStreams.State state = s.state();
    return readiness(state, wasRunning, aliveThreads(s), threads, threadFailure, kafkaProblem);
  }

  /**
   * The readiness of an instance: Kafka Streams' state (null: not created yet), whether it has
   * been RUNNING, its alive stream threads of how many, why a thread died (null: none did) and
   * why Kafka did not answer the last lag measurement (null: it did).
   */
  static Answer readiness(KafkaStreams.State state, boolean wasRunning, int alive, int threads,
      String threadFailure, String kafkaProblem) {
    if (state == null) return new Answer(false, "starting: preparing the topics");
    switch (state) {
      case CREATED:
        return new Answer(false, "starting: Kafka Streams is not started yet");
      case REBALANCING:
        if (!wasRunning) {
          return new Answer(false, "starting: joining the group and restoring state"
              + " (REBALANCING)");
        }
        break;
      case RUNNING:
        break;
      default:
        return new Answer(false, "Kafka Streams is " + state);
    }
    if (threadFailure != null || alive < threads) {
      return new Answer(false, "a stream thread died: " + alive + " of " + threads + " alive"
          + (threadFailure == null ? "" : " (" + threadFailure + ")"));
    }
    if (kafkaProblem != null) {
      return new Answer(false, "Kafka did not answer the last lag measurement (" + kafkaProblem
          + ")");
    }
    return new Answer(true, null);
  }

  private static int aliveThreads(KafkaStreams streams) {
    Set<ThreadMetadata> metadata;
    try {
      metadata = streams.metadataForLocalThreads();
    } catch (RuntimeException e) {
      return 0;
    }
    int alive = 0;
    for (ThreadMetadata thread : metadata) {
      String state = thread.threadState();
      if (!state.equals("DEAD") && !state.equals("PENDING_SHUTDOWN")) alive++;
    }
    return alive;
  }
}
