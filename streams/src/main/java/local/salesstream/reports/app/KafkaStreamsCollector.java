package local.salesstream.reports.app;

import io.prometheus.metrics.model.registry.MultiCollector;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.CounterSnapshot.CounterDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot.GaugeDataPointSnapshot;
import io.prometheus.metrics.model.snapshots.Labels;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;
import io.prometheus.metrics.model.snapshots.PrometheusNaming;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.apache.kafka.common.metrics.KafkaMetric;
import org.apache.kafka.common.metrics.stats.CumulativeCount;
import org.apache.kafka.common.metrics.stats.CumulativeSum;

/**
 * Kafka Streams' own metrics for the Prometheus Java client, read at each scrape (so metrics of
 * tasks that came or went are always current): those of the client, its stream threads, tasks,
 * processor nodes, RocksDB state stores, record caches and topics, its state updater, and of its
 * consumers' fetching and group membership and its producers. Each is named
 * {@code kafka_<group>_<name>} with Kafka's tags as labels ({@code client_id}, {@code thread_id},
 * {@code task_id}, {@code rocksdb_state_id}, {@code topic}, {@code partition}, ...), following
 * Prometheus' conventions: times in seconds (Kafka's milliseconds and nanoseconds converted, the
 * unit in the name: {@code kafka_stream_thread_commit_latency_avg_seconds}), cumulative sums and
 * counts as counters ending in {@code _total}, other values as gauges, Kafka's description as the
 * help text. Kafka's text values (versions, ids) are left out.
 */
final class KafkaStreamsCollector implements MultiCollector {
  /** The metric groups exported, and the start of their names. */
  static final Map<String, String> GROUPS = Map.ofEntries(
      Map.entry("stream-metrics", "kafka_stream_"),
      Map.entry("stream-thread-metrics", "kafka_stream_thread_"),
      Map.entry("stream-task-metrics", "kafka_stream_task_"),
      Map.entry("stream-processor-node-metrics", "kafka_stream_processor_node_"),
      Map.entry("stream-state-metrics", "kafka_stream_state_"),
      Map.entry("stream-record-cache-metrics", "kafka_stream_record_cache_"),
      Map.entry("stream-topic-metrics", "kafka_stream_topic_"),
      Map.entry("stream-state-updater-metrics", "kafka_stream_state_updater_"),
      Map.entry("consumer-fetch-manager-metrics", "kafka_consumer_fetch_manager_"),
      Map.entry("consumer-coordinator-metrics", "kafka_consumer_coordinator_"),
      Map.entry("producer-metrics", "kafka_producer_"));

  /**
   * Kafka's times in milliseconds whose names do not say so (every "latency" is in milliseconds
   * too; a "-ms" or "-ns" in a name says its unit). From Kafka's documentation of each metric.
   */
  static final Set<String> MILLISECONDS = Set.of("time-between-poll-avg", "time-between-poll-max",
      "record-queue-time-avg", "record-queue-time-max", "produce-throttle-time-avg",
      "produce-throttle-time-max", "fetch-throttle-time-avg", "fetch-throttle-time-max",
      "record-lateness-avg", "record-lateness-max", "heartbeat-response-time-max",
      "join-time-avg", "join-time-max", "sync-time-avg", "sync-time-max", "thread-start-time",
      "memtable-flush-time-avg", "memtable-flush-time-min", "memtable-flush-time-max",
      "compaction-time-avg", "compaction-time-min", "compaction-time-max",
      "write-stall-duration-avg", "write-stall-duration-total");

  /** Kafka's times in nanoseconds whose names do not say so. */
  static final Set<String> NANOSECONDS = Set.of("iterator-duration-avg", "iterator-duration-max");

  /** Kafka's times already in seconds. */
  static final Set<String> SECONDS = Set.of("metadata-age");

  /** Sums that go down as well as up: gauges, though Kafka keeps them as cumulative sums. */
  static final Set<String> NOT_COUNTERS = Set.of("restore-remaining-records-total");

  /** Names of counts that are not counters (Prometheus keeps "_count" for histograms). */
  static final Map<String, String> RENAMED = Map.of("connection-count", "connections",
      "active-buffer-count", "active-buffered-records");

  /** A Kafka metric as Prometheus names it: its name, whether a counter, and its value's scale. */
  record Name(String name, boolean counter, double scale) {}

  private final Supplier<Map<MetricName, ? extends Metric>> metrics;

  /** The metrics of `metrics` (a KafkaStreams' metrics(), read at each scrape). */
  KafkaStreamsCollector(Supplier<Map<MetricName, ? extends Metric>> metrics) {
    this.metrics = metrics;
  }

  /**
   * The Prometheus name of a metric of `group` (exported: in GROUPS) named `name`, a counter when
   * Kafka keeps it as a cumulative sum or count; null for a group that is not exported.
   */
  static Name name(String group, String name, boolean cumulative) {
    String prefix = GROUPS.get(group);
    if (prefix == null) return null;
    boolean counter = cumulative && !NOT_COUNTERS.contains(name);
    List<String> words = new ArrayList<>(Arrays.asList(
        RENAMED.getOrDefault(name, name).split("[-.]")));
    double scale = 1;
    boolean seconds = false;
    if (words.remove("ns") || NANOSECONDS.contains(name)) {
      scale = 1e-9;
      seconds = true;
    } else if (words.remove("ms") || words.contains("latency") || MILLISECONDS.contains(name)) {
      scale = 1e-3;
      seconds = true;
    } else if (SECONDS.contains(name)) {
      seconds = true;
    }
    if (words.size() > 1 && words.get(words.size() - 1).equals("total")) {
      words.remove(words.size() - 1); // a counter gets it back below
    }
    if (seconds) words.add("seconds");
    String base = prefix + String.join("_", words);
    return new Name(PrometheusNaming.sanitizeMetricName(base), counter, scale);
  }

  @Override
  public MetricSnapshots collect() {
    Map<String, Family> families = new LinkedHashMap<>();
    for (Map.Entry<MetricName, ? extends Metric> entry : metrics.get().entrySet()) {
      MetricName kafkaName = entry.getKey();
      Object value = entry.getValue().metricValue();
      if (!(value instanceof Number number)) continue;
      Name name = name(kafkaName.group(), kafkaName.name(), cumulative(entry.getValue()));
      if (name == null) continue;
      Family family = families.computeIfAbsent(name.name(),
          n -> new Family(name.counter(), kafkaName.description()));
      if (family.counter != name.counter()) continue; // one type per name
      List<String> labelNames = new ArrayList<>();
      List<String> labelValues = new ArrayList<>();
      kafkaName.tags().forEach((k, v) -> {
        labelNames.add(PrometheusNaming.sanitizeLabelName(k.replace('-', '_')));
        labelValues.add(v == null ? "" : v);
      });
      Labels labels = Labels.of(labelNames, labelValues);
      if (family.labels.add(labels)) family.points.add(new Point(labels,
          number.doubleValue() * name.scale()));
    }
    List<MetricSnapshot> snapshots = new ArrayList<>();
    families.forEach((name, family) -> snapshots.add(family.snapshot(name)));
    return new MetricSnapshots(snapshots);
  }

  private static boolean cumulative(Metric metric) {
    if (!(metric instanceof KafkaMetric kafka)) return false;
    try {
      return kafka.measurable() instanceof CumulativeSum
          || kafka.measurable() instanceof CumulativeCount;
    } catch (IllegalStateException e) {
      return false; // a gauge, not a measurable
    }
  }

  private record Point(Labels labels, double value) {}

  private static final class Family {
    final boolean counter;
    final String help;
    final Set<Labels> labels = new HashSet<>();
    final List<Point> points = new ArrayList<>();

    Family(boolean counter, String description) {
      this.counter = counter;
      this.help = description == null || description.isBlank() ? "Kafka's metric of this name"
          : description;
    }

    MetricSnapshot snapshot(String name) {
      if (counter) {
        CounterSnapshot.Builder b = CounterSnapshot.builder().name(name).help(help);
        points.forEach(p -> b.dataPoint(CounterDataPointSnapshot.builder().labels(p.labels())
            .value(Math.max(0, p.value())).build()));
        return b.build();
      }
      GaugeSnapshot.Builder b = GaugeSnapshot.builder().name(name).help(help);
      points.forEach(p -> b.dataPoint(GaugeDataPointSnapshot.builder().labels(p.labels())
          .value(p.value()).build()));
      return b.build();
    }
  }
}
