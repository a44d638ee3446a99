package local.salesstream.reports.app;

import local.salesstream.reports.topology.ProcessingStats;
import org.apache.kafka.streams.KafkaStreams;

/**
 * What an operator watches, in one place for Main: the metrics (ReportsMetrics), health and
 * readiness (Health) and, unless REPORTS_METRICS_PORT is 0, the server of /metrics, /healthz and
 * /readyz (MetricsServer). Started before anything else, so a busy port stops the process at once.
 */
final class Operations implements AutoCloseable {
  final Health health;
  private final ReportsMetrics metrics;
  private final MetricsServer server;

  private Operations(Health health, ReportsMetrics metrics, MetricsServer server) {
    this.health = health;
    this.metrics = metrics;
    this.server = server;
  }

  /** Starts the metrics server of these settings; ConfigException when it cannot listen. */
  static Operations start(Settings settings) throws ConfigException {
    Health health = new Health(settings.threads);
    ReportsMetrics metrics = new ReportsMetrics(health);
    if (settings.metricsPort == 0) return new Operations(health, metrics, null);
    MetricsServer server = MetricsServer.start(settings.metricsHost, settings.metricsPort,
        metrics::scrape, health);
    Console.event("metrics, health and readiness on http://" + hostInUrl(settings.metricsHost)
        + ":" + server.port() + "/metrics, /healthz and /readyz", "port", server.port());
    return new Operations(health, metrics, server);
  }

  private static String hostInUrl(String host) {
    return host.contains(":") ? "[" + host + "]" : host;
  }

  /** Counts what the topology processes. */
  void count(ProcessingStats stats) {
    metrics.count(stats);
  }

  /** Watches Kafka Streams (its metrics and state), before it starts. */
  void watch(KafkaStreams streams) {
    metrics.bind(streams);
    health.watch(streams);
  }

  /** The group's lag was measured: lag, or null and why Kafka did not answer (a class name). */
  void lagMeasured(LagMonitor.Lag lag, String problem) {
    metrics.lagMeasured(lag);
    health.lagMeasured(lag == null ? problem : null);
  }

  @Override
  public void close() {
    if (server != null) server.close();
  }
}
