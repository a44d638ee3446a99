package local.salesstream.reports.topology;

import java.time.Duration;
import java.util.Properties;
import local.salesstream.reports.decode.Hashing;
import local.salesstream.reports.model.Codec;
import local.salesstream.reports.model.Partial;
import local.salesstream.reports.model.Report;
import local.salesstream.reports.model.ReportKey;
import local.salesstream.reports.model.RowSums;
import local.salesstream.reports.model.SaleFact;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.utils.Bytes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.TopologyConfig;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Grouped;
import org.apache.kafka.streams.kstream.Materialized;
import org.apache.kafka.streams.kstream.Named;
import org.apache.kafka.streams.kstream.Produced;
import org.apache.kafka.streams.kstream.KStream;
import org.apache.kafka.streams.state.KeyValueStore;

/**
 * The reports as a Kafka Streams topology:
 *
 * <pre>
 *   sales topic ─ decode ─┬──────────────────┬─ de-duplicate ─ partial sums ─▶ [report-partials]
 *                         └─▶ [sales-by-id] ─┘       ─ row sums ─▶ the six report topics
 * </pre>
 *
 * <p>decode validates each message and hashes what must not travel in clear; a sale read on
 * the partition its sale id hashes to goes on in the same task, any other through the
 * <b>sales-by-id</b> topic, so every message of a sale id reaches one task whatever key or
 * partition its producer chose (see DecodeStep); de-duplicate counts each sale id once (store
 * "sale-ids") and turns a counted sale into one change per report row; partial sums adds them
 * up per row within the partition (store "partial-sums") and passes on each changed row once
 * per commit interval; <b>report-partials</b> brings each row's partials from every partition
 * together, where "report-sums" keeps the latest of each and their total is published to its
 * compacted report topic (each customer change, and each row once per partition and interval). With
 * exactly_once_v2 a commit covers the stores' changelogs, the repartition and report records
 * and the input offsets. The names in brackets and of the stores are fixed: renaming them
 * orphans the state.
 */
public final class ReportTopology {
  private ReportTopology() {}

  /** The store of report rows. */
  public static final String SUMS_STORE = "report-sums";
  /** The topic of sales moved to their sale id's task (see {@link #salesByIdTopic}). */
  public static final String BY_SALE_ID = "sales-by-id";
  /** DecodeStep's child that de-duplicates in this task. */
  static final String HERE = "here";
  /** DecodeStep's child that writes a sale to the sales-by-id topic. */
  static final String TO_SALES_BY_ID = "to-sales-by-id";
  /** The repartition topic of partial sums by report row. */
  public static final String PARTIALS = "report-partials";

  /** A report row's published JSON value and the report (so the topic) it belongs to. */
  record Published(Report report, byte[] json) {
    /** Writes the JSON value only (written once, never read back by this module). */
    static final Serde<Published> SERDE = Codec.writeOnly((topic, p) -> p.json());
  }

  /**
   * The topology reading salesTopic and writing the report topics under the prefix; partial
   * sums are passed on every publishInterval (the commit interval). The Streams properties are
   * the ones the topology will run with.
   */
  public static Topology build(String salesTopic, int byIdPartitions, String prefix,
      Duration dedupeRetention, Duration publishInterval, Hashing hashing, ProcessingStats stats,
      Properties streams) {
    StreamsConfig config = new StreamsConfig(streams);
    String byId = salesByIdTopic(config.getString(StreamsConfig.APPLICATION_ID_CONFIG));
    StreamsBuilder builder = new StreamsBuilder(new TopologyConfig(config));
    builder.addStateStore(DeduplicateStep.storeBuilder());
    builder.addStateStore(PartialSumStep.storeBuilder());
    KStream<String, SaleFact> decoded = builder.stream(salesTopic,
            Consumed.with(Serdes.ByteArray(), Serdes.ByteArray()).withName("sales"))
        .process(() -> new DecodeStep(hashing, stats, byIdPartitions), Named.as("decode"));
    decoded.to(byId, Produced.with(Serdes.String(), SaleFact.SERDE).withName(TO_SALES_BY_ID));
    KStream<String, SaleFact> moved = builder.stream(byId,
        Consumed.with(Serdes.String(), SaleFact.SERDE).withName(BY_SALE_ID));
    decoded.merge(moved, Named.as(HERE))
        .process(() -> new DeduplicateStep(dedupeRetention, stats), Named.as("deduplicate"),
            DeduplicateStep.STORE)
        .process(() -> new PartialSumStep(publishInterval, stats), Named.as("partial-sums"),
            PartialSumStep.STORE)
        .groupByKey(Grouped.with(PARTIALS, Codec.TEXT, Partial.SERDE))
        .aggregate(() -> RowSums.EMPTY, (row, partial, sums) -> sums.with(partial),
            Named.as("row-sums"),
            Materialized.<String, RowSums, KeyValueStore<Bytes, byte[]>>as(SUMS_STORE)
                .withKeySerde(Codec.TEXT)
                .withValueSerde(RowSums.SERDE)
                // Uncached: most changes here are customer rows, rarely changed twice in a
                // commit interval, and the other rows come once per interval and partition
                // already; the record cache only added a serialised copy and sorted-map
                // look-ups (a third of the stream thread's time in the profile).
                .withCachingDisabled())
        .toStream(Named.as("changed-rows"))
        .map((row, sums) -> {
          Report report = ReportKey.report(row);
          String key = ReportKey.key(row);
          return KeyValue.pair(key, new Published(report, report.json(key, sums.total())));
        }, Named.as("render"))
        .to((key, published, context) -> published.report().topic(prefix),
            Produced.with(Codec.KAFKA_UTF8, Published.SERDE).withName("publish"));
    return builder.build();
  }

  /**
   * The topic that brings a sale to its sale id's task, partitioned by sale id: created by the
   * process with the sales topic's partitions (TopicSetup), purged of what the group has
   * committed. Its name is the one of the repartition topic earlier versions let Kafka Streams
   * keep, so their records in flight are still read.
   */
  public static String salesByIdTopic(String applicationId) {
    return applicationId + "-" + BY_SALE_ID + "-repartition";
  }
}
