package local.salesstream.reports.app;

import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.HashMap;
import java.util.Map;
import java.util.Properties;
import org.apache.kafka.clients.CommonClientConfigs;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.processor.WallclockTimestampExtractor;

/**
 * The configuration of every Kafka client of this process. {@link #common} is the one place for
 * how to reach and authenticate to the cluster: the brokers, then any extra client properties
 * (security.protocol, sasl.mechanism, sasl.jaas.config, ssl.truststore.location, ...) from the
 * KAFKA_CLIENT_PROPERTIES file; both the admin client and Kafka Streams' clients get them.
 */
final class KafkaClients {
  private KafkaClients() {}

  /** Connection and security properties shared by every client. */
  static Map<String, Object> common(Settings s) throws ConfigException {
    Map<String, Object> props = new HashMap<>();
    props.put(CommonClientConfigs.BOOTSTRAP_SERVERS_CONFIG, String.join(",", s.brokers));
    if (s.clientProperties != null) {
      Properties extra = new Properties();
      try (Reader in = Files.newBufferedReader(s.clientProperties, StandardCharsets.UTF_8)) {
        extra.load(in);
      } catch (IOException e) {
        throw new ConfigException("cannot read KAFKA_CLIENT_PROPERTIES " + s.clientProperties
            + ": " + e.getMessage());
      }
      extra.stringPropertyNames().forEach(k -> props.put(k, extra.getProperty(k).trim()));
    }
    return props;
  }

  /** The admin client's properties (topic setup and lag). */
  static Map<String, Object> admin(Settings s) throws ConfigException {
    Map<String, Object> props = common(s);
    props.put(AdminClientConfig.CLIENT_ID_CONFIG, s.applicationId + "-admin");
    props.put(AdminClientConfig.DEFAULT_API_TIMEOUT_MS_CONFIG, 30_000);
    props.put(AdminClientConfig.REQUEST_TIMEOUT_MS_CONFIG, 15_000);
    return props;
  }

  /** Kafka Streams' properties: exactly once, bounded memory, static membership. */
  static Properties streams(Settings s, int replicationFactor) throws ConfigException {
    Properties p = new Properties();
    p.putAll(common(s));
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, s.applicationId);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, s.threads);
    p.put(StreamsConfig.NUM_STANDBY_REPLICAS_CONFIG, s.instances > 1 ? 1 : 0);
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, replicationFactor);
    p.put(StreamsConfig.STATE_DIR_CONFIG, s.stateDir.toString());
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, s.commitMs);
    // Nothing here depends on event time; processing time also means a message from another
    // producer with a missing or negative timestamp is processed (and judged), not fatal.
    p.put(StreamsConfig.DEFAULT_TIMESTAMP_EXTRACTOR_CLASS_CONFIG,
        WallclockTimestampExtractor.class);
    // Nothing here orders records across input partitions (timestamps are processing time), so
    // a task never waits for an empty partition: with the default (0) every record of a task whose
    // sales-by-id partition is empty (all of them, when the producer keys by sale id) took the
    // slow path that checks every partition and formats a log text, 6 % of the stream thread.
    p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
    // The record cache (on the heap) holds the partial sums between commits: each row changed in
    // a commit interval is written once to its changelog, not once per sale.
    p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, s.heapMb * 1024L * 1024L / 8);
    p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDbMemory.class);
    p.put(BoundedRocksDbMemory.MEMORY_BYTES_CONFIG, s.memoryMb * 1024L * 1024L);
    // Static membership needs the classic protocol against 3.x brokers (and before 4.4 on
    // the "streams" protocol); classic is also what every broker since 2.x serves.
    p.put(StreamsConfig.GROUP_PROTOCOL_CONFIG, "classic");
    if (s.instanceId != null) {
      // Kafka Streams appends "-<thread index>" for each stream thread's consumer.
      p.put(ConsumerConfig.GROUP_INSTANCE_ID_CONFIG, s.instanceId);
      p.put(StreamsConfig.CLIENT_ID_CONFIG, s.applicationId + "-" + s.instanceId);
    }
    // A new instance first copies the state of the tasks it will take over (warm-up), then takes
    // them at the next probing rebalance: every minute instead of every ten.
    p.put(StreamsConfig.PROBING_REBALANCE_INTERVAL_MS_CONFIG, 60_000L);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.SESSION_TIMEOUT_MS_CONFIG),
        s.sessionTimeoutSeconds * 1000);
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    // The sales-by-id and report-partials records are small: larger batches, fewer requests.
    // No compression: kafkajs (the dashboard's client) reads only uncompressed or gzip batches.
    p.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), 128 * 1024);
    return p;
  }
}
