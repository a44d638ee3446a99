package local.salesstream.reports.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.regex.Pattern;
import local.salesstream.reports.topology.ProcessingStats;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.junit.jupiter.api.Test;

/** The metrics in the Prometheus text format: the project's counters and Kafka Streams' own. */
class ReportsMetricsTest {
  /** A sample line: name, labels, a value. */
  private static final Pattern SAMPLE = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*"
      + "(\\{([a-zA-Z_][a-zA-Z0-9_]*=\"([^\"\\\\\\n]|\\\\[\"\\\\n])*\",?)*\\})?"
      + " (NaN|[+-]Inf|-?[0-9.]+(E-?[0-9]+)?)");

  private static void assertWellFormed(String text) {
    for (String line : text.split("\n")) {
      if (line.startsWith("# HELP ") || line.startsWith("# TYPE ")) continue;
      assertTrue(SAMPLE.matcher(line).matches(), line);
    }
  }

  private static List<String> lines(String text, String prefix) {
    return Arrays.stream(text.split("\n")).filter(l -> l.startsWith(prefix)).sorted().toList();
  }

  @Test
  void theProjectsCountersAreWhatTheTopologyCounted() {
    ReportsMetrics metrics = new ReportsMetrics(new Health(1));
    {
      ProcessingStats stats = new ProcessingStats();
      metrics.count(stats);
      String before = metrics.scrape();
      assertWellFormed(before);
      assertEquals(List.of(), lines(before, "sales_reports_lag_messages{"), "not measured yet");
      assertEquals(List.of("sales_reports_ready 0.0"), lines(before, "sales_reports_ready "));

      stats.messages.add(3009);
      stats.counted.add(3000);
      stats.duplicates.add(4);
      stats.conflicts.add(1);
      stats.rejected.add(4);
      stats.pendingRows.add(6);
      metrics.lagMeasured(new LagMonitor.Lag(120, 7));
      String after = metrics.scrape();
      assertWellFormed(after);
      assertEquals(List.of("sales_reports_messages_read_total 3009.0"),
          lines(after, "sales_reports_messages_read_total"));
      assertEquals(List.of("sales_reports_messages_total{outcome=\"conflict\"} 1.0",
          "sales_reports_messages_total{outcome=\"counted\"} 3000.0",
          "sales_reports_messages_total{outcome=\"duplicate\"} 4.0",
          "sales_reports_messages_total{outcome=\"rejected\"} 4.0"),
          lines(after, "sales_reports_messages_total{"));
      assertEquals(List.of("sales_reports_lag_messages{source=\"internal\"} 7.0",
          "sales_reports_lag_messages{source=\"sales\"} 120.0"),
          lines(after, "sales_reports_lag_messages{"));
      assertEquals(List.of("sales_reports_pending_rows 6.0"),
          lines(after, "sales_reports_pending_rows "));
      assertTrue(after.contains("# TYPE sales_reports_messages_total counter\n"));
      assertTrue(lines(after, "process_resident_memory_bytes ").get(0).matches(
          "process_resident_memory_bytes [1-9].*"), "resident memory is measured");
      assertEquals(1, lines(after, "jvm_memory_used_bytes{area=\"heap\"}").size());
    }
  }

  @Test
  void kafkaStreamsOwnMetricsAreThereWithTheirLatenciesInMilliseconds() throws Exception {
    Path state = Files.createTempDirectory("metrics-test-");
    Properties props = new Properties();
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, "metrics-test");
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "127.0.0.1:1");
    props.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream("in").to("out");
    KafkaStreams streams = new KafkaStreams(builder.build(), props);
    try {
      ReportsMetrics metrics = new ReportsMetrics(new Health(1));
      metrics.bind(streams);
      String text = metrics.scrape();
      assertWellFormed(text);
      for (String name : List.of("kafka_stream_thread_process_rate{",
          "kafka_stream_thread_process_total{", "kafka_stream_thread_commit_rate{",
          "kafka_stream_thread_commit_latency_avg_seconds{",
          "kafka_stream_thread_commit_latency_max_seconds{",
          "kafka_stream_alive_stream_threads{")) {
        assertEquals(1, lines(text, name).size(), name + " in\n" + text);
      }
      assertTrue(text.contains("# TYPE kafka_stream_thread_process_total counter\n"));
      assertTrue(lines(text, "kafka_stream_thread_commit_latency_avg ").isEmpty());
    } finally {
      streams.close();
    }
  }
}
