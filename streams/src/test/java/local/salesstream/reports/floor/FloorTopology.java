package local.salesstream.reports.floor;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicLong;
import local.salesstream.reports.app.BoundedRocksDbMemory;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.AdminClientConfig;
import org.apache.kafka.clients.admin.NewTopic;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.processor.WallclockTimestampExtractor;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;

/**
 * A floor for the reports' CPU per sale, not part of the process: the least a Kafka Streams
 * topology under exactly_once_v2 does for the records the reports move per sale, with no
 * decoding, hashing or JSON. Per message: a RocksDB get and put of its key in a changelogged
 * store (the sale-id store), one record forwarded under another key through a repartition topic
 * (report-partials), there a RocksDB get and put in a second changelogged, uncached store
 * (report-sums) and one record to an output topic (the report): 2 records consumed, 4 produced,
 * as for a sale's customer row. The same Streams settings as KafkaClients.streams (one thread,
 * commit 1 s, the record cache, the RocksDB cap, static membership off). Prints
 * "caught up: lag 0" once the second step has seen N records, then runs until stopped.
 *
 * <pre>
 *   java [the launcher's JVM flags] -cp target/test-classes:target/sales-reports.jar \
 *       local.salesstream.reports.floor.FloorTopology BROKERS TOPIC APP_ID STATE_DIR N
 * </pre>
 */
public final class FloorTopology {
  private FloorTopology() {}

  /** Runs the floor topology; see the class comment. */
  public static void main(String[] args) throws Exception {
    String brokers = args[0];
    String topic = args[1];
    String app = args[2];
    Path state = Path.of(args[3]);
    long n = Long.parseLong(args[4]);
    Files.createDirectories(state);
    Properties p = new Properties();
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, brokers);
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, app);
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, 1);
    p.put(StreamsConfig.REPLICATION_FACTOR_CONFIG, 1);
    p.put(StreamsConfig.STATE_DIR_CONFIG, state.toString());
    p.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, 1000);
    p.put(StreamsConfig.DEFAULT_TIMESTAMP_EXTRACTOR_CLASS_CONFIG,
        WallclockTimestampExtractor.class);
    p.put(StreamsConfig.MAX_TASK_IDLE_MS_CONFIG, StreamsConfig.MAX_TASK_IDLE_MS_DISABLED);
    p.put(StreamsConfig.STATESTORE_CACHE_MAX_BYTES_CONFIG, 256L * 1024 * 1024 / 8);
    p.put(StreamsConfig.ROCKSDB_CONFIG_SETTER_CLASS_CONFIG, BoundedRocksDbMemory.class);
    p.put("sales.reports.rocksdb.memory.bytes", 64L * 1024 * 1024);
    p.put(StreamsConfig.GROUP_PROTOCOL_CONFIG, "classic");
    p.put(StreamsConfig.consumerPrefix(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG), "earliest");
    p.put(StreamsConfig.producerPrefix(ProducerConfig.BATCH_SIZE_CONFIG), 128 * 1024);

    AtomicLong seen = new AtomicLong();
    StreamsBuilder builder = new StreamsBuilder();
    builder.addStateStore(Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore("ids"),
        Serdes.Bytes(), Serdes.ByteArray()));
    builder.stream(topic, Consumed.with(Serdes.Bytes(), Serdes.ByteArray()))
        .process(() -> new Processor<Bytes, byte[], Bytes, byte[]>() {
          private ProcessorContext<Bytes, byte[]> context;
          private KeyValueStore<Bytes, byte[]> ids;

          @Override
          public void init(ProcessorContext<Bytes, byte[]> context) {
            this.context = context;
            this.ids = context.getStateStore("ids");
          }

          @Override
          public void process(Record<Bytes, byte[]> message) {
            Bytes id = message.key() == null ? Bytes.wrap(new byte[0]) : message.key();
            if (ids.get(id) != null) return;
            byte[] value = message.value();
            ids.put(id, ByteBuffer.allocate(40).putLong(context.currentSystemTimeMs())
                .putInt(Arrays.hashCode(value)).array());
            // Another key, spread over the partitions as customer keys are (32 bytes).
            byte[] row = ByteBuffer.allocate(32).putInt(Arrays.hashCode(value))
                .putInt(value.length).array();
            context.forward(new Record<>(Bytes.wrap(row), ByteBuffer.allocate(14)
                .putLong(value.length).array(), message.timestamp()));
          }
        }, "ids")
        .groupByKey(Grouped.with("partials", Serdes.Bytes(), Serdes.ByteArray()))
        .aggregate(() -> new byte[14], (row, change, sums) -> {
          seen.incrementAndGet();
          ByteBuffer b = ByteBuffer.wrap(sums);
          long total = b.getLong(0) + ByteBuffer.wrap(change).getLong(0);
          return ByteBuffer.allocate(14).putLong(total).array();
        }, Materialized.<Bytes, byte[], KeyValueStore<Bytes, byte[]>>as("sums")
            .withKeySerde(Serdes.Bytes()).withValueSerde(Serdes.ByteArray())
            .withCachingDisabled())
        .toStream()
        .to(app + "-out", Produced.with(Serdes.Bytes(), Serdes.ByteArray()));

    try (Admin admin = Admin.create(Map.of(AdminClientConfig.BOOTSTRAP_SERVERS_CONFIG, brokers))) {
      // The output topic, as the report topics: one partition (the broker creates none itself).
      admin.createTopics(List.of(new NewTopic(app + "-out", 1, (short) 1))).all().get();
    }
    CountDownLatch stop = new CountDownLatch(1);
    try (KafkaStreams streams = new KafkaStreams(builder.build(p), p)) {
      Runtime.getRuntime().addShutdownHook(new Thread(() -> {
        streams.close();
        stop.countDown();
      }));
      streams.start();
      while (seen.get() < n) Thread.sleep(50);
      System.out.println("caught up: lag 0 (" + seen.get() + " records through the second step)");
      System.out.flush();
      stop.await();
    }
  }
}
