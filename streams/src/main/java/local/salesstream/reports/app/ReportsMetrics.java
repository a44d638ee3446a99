package local.salesstream.reports.app;

import io.prometheus.metrics.core.metrics.CounterWithCallback;
import io.prometheus.metrics.core.metrics.GaugeWithCallback;
import io.prometheus.metrics.expositionformats.PrometheusTextFormatWriter;
import io.prometheus.metrics.instrumentation.jvm.JvmMetrics;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import local.salesstream.reports.topology.ProcessingStats;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The process' metrics, for /metrics in the Prometheus text format (the Prometheus Java client
 * writes it):
 *
 * <ul>
 *   <li>Kafka Streams' own (KafkaStreamsCollector): {@code kafka_stream_thread_process_rate},
 *       {@code kafka_stream_thread_commit_latency_avg_seconds}, {@code
 *       kafka_consumer_fetch_manager_records_lag}, {@code kafka_stream_state_block_cache_usage},
 *       and the rest of the client, threads, tasks, RocksDB stores, consumers and producers.
 *   <li>The project's: {@code sales_reports_messages_read_total}, {@code
 *       sales_reports_messages_moved_total}, {@code
 *       sales_reports_messages_total{outcome="counted|duplicate|conflict|rejected"}}, {@code
 *       sales_reports_lag_messages{source="sales|internal"}} (the group's lag, as the progress
 *       line measures it), {@code sales_reports_pending_rows} and {@code sales_reports_ready}.
 *   <li>The JVM's and the process' (the client's JvmMetrics): memory pools, GC, threads, {@code
 *       process_cpu_seconds_total}, {@code process_resident_memory_bytes}, ...
 * </ul>
 */
final class ReportsMetrics {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final PrometheusTextFormatWriter writer = PrometheusTextFormatWriter.create();
  private volatile LagMonitor.Lag lag;

  /** The process' metrics, before Kafka Streams exists; `health` gives sales_reports_ready. */
  ReportsMetrics(Health health) {
    JvmMetrics.builder().register(registry);
    GaugeWithCallback.builder().name("sales_reports_ready")
        .help("1 when /readyz answers 200: Kafka Streams RUNNING with every stream thread alive"
            + " and Kafka answering; else 0")
        .callback(cb -> cb.call(health.ready().ok() ? 1 : 0)).register(registry);
    GaugeWithCallback.builder().name("sales_reports_lag_messages")
        .help("The group's lag as the progress line measures it: messages of the sales topic"
            + " (source=sales) and records of the two repartition topics (source=internal) not"
            + " yet consumed; the whole deployment's, the same on every instance; absent until"
            + " measured and while Kafka does not answer")
        .labelNames("source")
        .callback(cb -> {
          LagMonitor.Lag l = lag;
          if (l == null) return;
          cb.call(l.input(), "sales");
          cb.call(l.internal(), "internal");
        }).register(registry);
  }

  /** Counts what the topology of this instance processes (ProcessingStats). */
  void count(ProcessingStats stats) {
    CounterWithCallback.builder().name("sales_reports_messages_read")
        .help("Messages this instance read from the sales topic")
        .callback(cb -> cb.call(stats.messages.sum())).register(registry);
    CounterWithCallback.builder().name("sales_reports_messages_moved")
        .help("Sales this instance wrote to the sales-by-id topic to reach their sale id's task"
            + " (read on another partition than the one their sale id hashes to)")
        .callback(cb -> cb.call(stats.moved.sum())).register(registry);
    CounterWithCallback.builder().name("sales_reports_messages")
        .help("Messages this instance decided on: counted (a sale counted for the first time),"
            + " duplicate (seen before with the same content), conflict (seen before with other"
            + " content; the report total counts it as rejected), rejected (not a valid sale)")
        .labelNames("outcome")
        .callback(cb -> {
          cb.call(stats.counted.sum(), "counted");
          cb.call(stats.duplicates.sum(), "duplicate");
          cb.call(stats.conflicts.sum(), "conflict");
          cb.call(stats.rejected.sum(), "rejected");
        }).register(registry);
    GaugeWithCallback.builder().name("sales_reports_pending_rows")
        .help("Report rows this instance summed but has not passed on yet (at the next commit);"
            + " the reports are complete when these and the lag are 0")
        .callback(cb -> cb.call(stats.pendingRows.sum())).register(registry);
  }

  /** Exports Kafka Streams' own metrics. */
  void bind(KafkaStreams streams) {
    registry.register(new KafkaStreamsCollector(streams::metrics));
  }

  /** The group's lag was measured (null: Kafka did not answer). */
  void lagMeasured(LagMonitor.Lag lag) {
    this.lag = lag;
  }

  /** Every metric in the Prometheus text format (version 0.0.4). */
  String scrape() {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256 * 1024);
    try {
      writer.write(out, registry.scrape());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toString(StandardCharsets.UTF_8);
  }

  /** The content type of scrape(). */
  static String contentType() {
    return PrometheusTextFormatWriter.CONTENT_TYPE;
  }
}
