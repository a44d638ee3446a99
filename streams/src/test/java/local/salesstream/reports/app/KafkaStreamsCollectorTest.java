package local.salesstream.reports.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Metric;
import org.apache.kafka.common.MetricName;
import org.junit.jupiter.api.Test;

/** Kafka's metric names and values as Prometheus names them: base units, counters, labels. */
class KafkaStreamsCollectorTest {
  private static String name(String group, String name, boolean cumulative) {
    KafkaStreamsCollector.Name n = KafkaStreamsCollector.name(group, name, cumulative);
    return n.name() + (n.counter() ? "_total" : "") + " x" + n.scale();
  }

  @Test
  void timesAreInSecondsAndCountersEndInTotal() {
    assertEquals("kafka_stream_thread_process_rate x1.0",
        name("stream-thread-metrics", "process-rate", false));
    assertEquals("kafka_stream_thread_process_total x1.0",
        name("stream-thread-metrics", "process-total", true));
    assertEquals("kafka_stream_thread_commit_latency_avg_seconds x0.001",
        name("stream-thread-metrics", "commit-latency-avg", false));
    assertEquals("kafka_stream_thread_blocked_time_seconds_total x1.0E-9",
        name("stream-thread-metrics", "blocked-time-ns-total", true));
    assertEquals("kafka_producer_io_wait_time_avg_seconds x1.0E-9",
        name("producer-metrics", "io-wait-time-ns-avg", false));
    assertEquals("kafka_stream_state_oldest_iterator_open_since_seconds x0.001",
        name("stream-state-metrics", "oldest-iterator-open-since-ms", false));
    assertEquals("kafka_consumer_coordinator_rebalance_latency_seconds_total x0.001",
        name("consumer-coordinator-metrics", "rebalance-latency-total", true));
    assertEquals("kafka_stream_state_iterator_duration_avg_seconds x1.0E-9",
        name("stream-state-metrics", "iterator-duration-avg", false));
    assertEquals("kafka_stream_thread_thread_start_time_seconds x0.001",
        name("stream-thread-metrics", "thread-start-time", false));
    assertEquals("kafka_producer_metadata_age_seconds x1.0",
        name("producer-metrics", "metadata-age", false));
  }

  @Test
  void gaugesNeitherEndInTotalNorInCount() {
    assertEquals("kafka_stream_task_restore_remaining_records x1.0",
        name("stream-task-metrics", "restore-remaining-records-total", true));
    assertEquals("kafka_producer_connections x1.0",
        name("producer-metrics", "connection-count", false));
    assertEquals("kafka_stream_task_active_buffered_records x1.0",
        name("stream-task-metrics", "active-buffer-count", false));
    assertEquals("kafka_consumer_fetch_manager_records_lag x1.0",
        name("consumer-fetch-manager-metrics", "records-lag", false));
    assertNull(KafkaStreamsCollector.name("admin-client-metrics", "request-rate", false));
    assertNull(KafkaStreamsCollector.name("app-info", "version", false));
  }

  private static Metric metric(MetricName name, Object value) {
    return new Metric() {
      @Override
      public MetricName metricName() {
        return name;
      }

      @Override
      public Object metricValue() {
        return value;
      }
    };
  }

  @Test
  void everyNumericMetricOfAnExportedGroupIsOneSampleWithItsTagsAsLabels() {
    Map<MetricName, Metric> metrics = new LinkedHashMap<>();
    for (Object[] m : new Object[][] {
        {"records-lag", "consumer-fetch-manager-metrics", Map.of("client-id", "c", "topic", "t",
            "partition", "0"), 5.0},
        {"records-lag", "consumer-fetch-manager-metrics", Map.of("client-id", "c", "topic", "t",
            "partition", "1"), 0.0},
        {"commit-latency-avg", "stream-thread-metrics", Map.of("thread-id", "a\"b"), 250.0},
        {"version", "stream-metrics", Map.of("client-id", "c"), "4.3.1"},
        {"request-rate", "admin-client-metrics", Map.of("client-id", "c"), 1.0}}) {
      @SuppressWarnings("unchecked")
      MetricName name = new MetricName((String) m[0], (String) m[1], "the " + m[0],
          (Map<String, String>) m[2]);
      metrics.put(name, metric(name, m[3]));
    }
    KafkaStreamsCollector collector = new KafkaStreamsCollector(() -> metrics);
    List<String> names = collector.collect().stream().map(s -> s.getMetadata().getName())
        .toList();
    assertEquals(List.of("kafka_consumer_fetch_manager_records_lag",
        "kafka_stream_thread_commit_latency_avg_seconds"), names.stream().sorted().toList());
    assertEquals(2, collector.collect().stream().filter(s -> s.getMetadata().getName()
        .equals("kafka_consumer_fetch_manager_records_lag")).findFirst().orElseThrow()
        .getDataPoints().size());
    assertEquals(0.25, ((io.prometheus.metrics.model.snapshots.GaugeSnapshot) collector.collect()
        .stream().filter(s -> s.getMetadata().getName().endsWith("_seconds")).findFirst()
        .orElseThrow()).getDataPoints().get(0).getValue());
  }
}
