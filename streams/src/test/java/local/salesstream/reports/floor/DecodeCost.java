package local.salesstream.reports.floor;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import local.salesstream.reports.decode.Hashing;
import local.salesstream.reports.decode.SaleDecoder;
import local.salesstream.reports.model.SaleFact;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.ConsumerRecord;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.common.serialization.ByteArrayDeserializer;

/**
 * The reports' own work per sale outside Kafka Streams, measured alone: decoding and validating
 * the message (SaleDecoder) and making its SaleFact (content hash, customer key, masked email),
 * on the message values of a topic read into memory, in one thread, after warm-up rounds. Prints
 * the thread's CPU µs per message of each round. Not part of the process.
 *
 * <pre>
 *   java -Xmx1g -cp target/test-classes:target/sales-reports.jar \
 *       local.salesstream.reports.floor.DecodeCost BROKERS TOPIC N [ROUNDS]
 * </pre>
 */
public final class DecodeCost {
  private DecodeCost() {}

  /** Runs the measurement; see the class comment. */
  public static void main(String[] args) {
    int n = Integer.parseInt(args[2]);
    int rounds = args.length > 3 ? Integer.parseInt(args[3]) : 6;
    List<byte[]> values = new ArrayList<>(n);
    try (KafkaConsumer<byte[], byte[]> consumer = new KafkaConsumer<>(Map.of(
        ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG, args[0],
        ConsumerConfig.GROUP_ID_CONFIG, "decode-cost-" + UUID.randomUUID(),
        ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest",
        ConsumerConfig.ENABLE_AUTO_COMMIT_CONFIG, false),
        new ByteArrayDeserializer(), new ByteArrayDeserializer())) {
      consumer.subscribe(List.of(args[1]));
      while (values.size() < n) {
        for (ConsumerRecord<byte[], byte[]> r : consumer.poll(Duration.ofSeconds(1))) {
          if (values.size() < n) values.add(r.value());
        }
      }
    }
    Hashing hashing = new Hashing("decode-cost-secret-decode-cost-secret");
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    long sink = 0;
    for (int round = 1; round <= rounds; round++) {
      long start = threads.getCurrentThreadCpuTime();
      for (byte[] value : values) {
        SaleDecoder.Result result = SaleDecoder.decode(value);
        if (result instanceof SaleDecoder.Accepted a) {
          sink += SaleFact.of(a.sale(), hashing).priceCents();
        }
      }
      long all = threads.getCurrentThreadCpuTime() - start;
      start = threads.getCurrentThreadCpuTime();
      for (byte[] value : values) {
        if (SaleDecoder.decode(value) instanceof SaleDecoder.Accepted a) {
          sink += a.sale().zipcode().length();
        }
      }
      long decodeNs = threads.getCurrentThreadCpuTime() - start;
      System.out.printf("round %d: decode + SaleFact %.2f µs per message, decode alone %.2f µs%n",
          round, all / 1000.0 / values.size(), decodeNs / 1000.0 / values.size());
    }
    System.out.println("(" + sink + ")");
  }
}
