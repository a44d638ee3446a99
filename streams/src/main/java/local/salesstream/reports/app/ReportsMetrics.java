package local.salesstream.reports.app;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.kafka.KafkaStreamsMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.core.instrument.config.MeterFilter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.LongAdder;
import java.util.regex.Pattern;
import local.salesstream.reports.topology.ProcessingStats;
import org.apache.kafka.streams.KafkaStreams;

/**
 * The process' metrics, for /metrics in the Prometheus text format (Micrometer's Prometheus
 * registry writes it):
 *
 * <ul>
 *   <li>Kafka Streams' own, through Micrometer's binder (KafkaStreamsMetrics): every metric of the
 *       client, its stream threads, tasks, processors and RocksDB state stores, and of its
 *       consumers and producers, named {@code kafka_<group>_<name>} ({@code
 *       kafka_stream_thread_process_rate}, {@code kafka_stream_thread_commit_latency_avg},
 *       {@code kafka_consumer_fetch_manager_records_lag}, {@code
 *       kafka_stream_state_block_cache_usage}, ...) with Kafka's tags as labels. Kafka measures
 *       latencies in milliseconds: their names end in {@code _milliseconds}.
 *   <li>The project's: {@code sales_reports_messages_read_total}, {@code
 *       sales_reports_messages_total{outcome="counted|duplicate|conflict|rejected"}}, {@code
 *       sales_reports_lag_messages{source="sales|internal"}} (the group's lag, as the progress
 *       line measures it), {@code sales_reports_pending_rows} and {@code sales_reports_ready}.
 *   <li>The JVM's and the process': heap and other memory pools, GC, threads, CPU, uptime, and
 *       {@code process_resident_memory_bytes}.
 * </ul>
 */
final class ReportsMetrics implements AutoCloseable {
  /** How often the binder looks for Kafka metrics that appeared or went (tasks move). */
  static final Duration KAFKA_REFRESH = Duration.ofSeconds(10);

  /** Kafka's latency metrics, all in milliseconds. */
  private static final Pattern KAFKA_MILLISECONDS =
      Pattern.compile("kafka\\..*latency(\\.(avg|max|min))?");

  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final ScheduledExecutorService refresher = Executors.newSingleThreadScheduledExecutor(
      r -> {
        Thread t = new Thread(r, "sales-reports-metrics-refresh");
        t.setDaemon(true);
        return t;
      });
  private final JvmGcMetrics gc = new JvmGcMetrics();
  private volatile LagMonitor.Lag lag;
  private KafkaStreamsMetrics kafka;

  /** The process' metrics, before Kafka Streams exists; `health` gives sales_reports_ready. */
  ReportsMetrics(Health health) {
    registry.config().meterFilter(new MeterFilter() {
      @Override
      public Meter.Id map(Meter.Id id) {
        return KAFKA_MILLISECONDS.matcher(id.getName()).matches() && id.getBaseUnit() == null
            ? id.withBaseUnit("milliseconds") : id;
      }
    });
    new JvmMemoryMetrics().bindTo(registry);
    gc.bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new UptimeMetrics().bindTo(registry);
    Gauge.builder("process.resident.memory", ReportsMetrics::residentBytes).baseUnit("bytes")
        .description("Resident memory of the process (VmRSS): heap, RocksDB and the JVM's own")
        .register(registry);
    Gauge.builder("sales.reports.ready", health, h -> h.ready().ok() ? 1 : 0)
        .description("1 when /readyz answers 200: Kafka Streams RUNNING with every stream thread"
            + " alive and Kafka answering")
        .strongReference(true).register(registry);
    for (String source : List.of("sales", "internal")) {
      Gauge.builder("sales.reports.lag.messages", this, m -> m.lagOf(source))
          .tag("source", source)
          .description("The group's lag as the progress line measures it: messages of the sales"
              + " topic, and records of the two repartition topics, not yet consumed (the whole"
              + " deployment's, the same on every instance; NaN until measured and while Kafka"
              + " does not answer)")
          .register(registry);
    }
  }

  /** Counts what the topology of this instance processed (ProcessingStats). */
  void count(ProcessingStats stats) {
    counter("sales.reports.messages.read", null, stats.messages,
        "Messages this instance read from the sales topic");
    String help = "Messages this instance decided on: counted (a sale counted for the first time),"
        + " duplicate (seen before, same content), conflict (seen before, other content: the"
        + " report total counts it as rejected), rejected (not a valid sale)";
    counter("sales.reports.messages", "counted", stats.counted, help);
    counter("sales.reports.messages", "duplicate", stats.duplicates, help);
    counter("sales.reports.messages", "conflict", stats.conflicts, help);
    counter("sales.reports.messages", "rejected", stats.rejected, help);
    Gauge.builder("sales.reports.pending.rows", stats.pendingRows, LongAdder::sum)
        .description("Report rows this instance summed but has not passed on yet (at the next"
            + " commit); the reports are complete when these and the lag are 0")
        .strongReference(true).register(registry);
  }

  private void counter(String name, String outcome, LongAdder adder, String help) {
    FunctionCounter.Builder<LongAdder> builder =
        FunctionCounter.builder(name, adder, LongAdder::sum).description(help);
    if (outcome != null) builder = builder.tag("outcome", outcome);
    builder.register(registry);
  }

  /** Binds Kafka Streams' own metrics (before it starts, so none is missed). */
  void bind(KafkaStreams streams) {
    kafka = new KafkaStreamsMetrics(streams, List.of(), refresher, KAFKA_REFRESH);
    kafka.bindTo(registry);
  }

  /** The group's lag was measured (null: Kafka did not answer). */
  void lagMeasured(LagMonitor.Lag lag) {
    this.lag = lag;
  }

  private double lagOf(String source) {
    LagMonitor.Lag l = lag;
    if (l == null) return Double.NaN;
    return source.equals("sales") ? l.input() : l.internal();
  }

  /** Every metric in the Prometheus text format (version 0.0.4). */
  String scrape() {
    return registry.scrape();
  }

  /** The content type of scrape(). */
  static String contentType() {
    return "text/plain; version=0.0.4; charset=utf-8";
  }

  private static double residentBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024.0;
        }
      }
    } catch (IOException | NumberFormatException e) {
      // not Linux: unknown
    }
    return Double.NaN;
  }

  @Override
  public void close() {
    if (kafka != null) kafka.close();
    gc.close();
    refresher.shutdownNow();
    registry.close();
  }
}
