package local.salesstream.reports.topology;

import java.nio.ByteBuffer;
import java.time.Duration;
import local.salesstream.reports.model.Report;
import local.salesstream.reports.model.ReportKey;
import local.salesstream.reports.model.SaleFact;
import local.salesstream.reports.model.Sums;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.processor.PunctuationType;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueIterator;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.StoreBuilder;
import org.apache.kafka.streams.state.Stores;

/**
 * Second step, on sales partitioned by sale_id: counts a sale id once. The first message of a
 * sale id passes on its six report changes and is remembered (its content hash and when it was
 * first counted) in the "sale-ids" store; a later message with the same content counts as a
 * duplicate, one with other content as rejected (a conflicting duplicate), as PostgreSQL does.
 *
 * <p>The store forgets ids counted more than the retention ago (a punctuator sweeps it hourly),
 * so it stays bounded: a re-delivery of a sale older than the retention is counted again.
 */
final class DeduplicateStep implements Processor<String, SaleFact, String, Sums> {
  /** The store of counted sale ids. */
  static final String STORE = "sale-ids";
  /** How often the store is swept for ids older than the retention. */
  static final Duration SWEEP_INTERVAL = Duration.ofHours(1);

  private final Duration retention;
  private final ProcessingStats stats;
  private ProcessorContext<String, Sums> context;
  private KeyValueStore<String, byte[]> seen;

  /** A step that remembers sale ids for the retention. */
  DeduplicateStep(Duration retention, ProcessingStats stats) {
    this.retention = retention;
    this.stats = stats;
  }

  /** The persistent (RocksDB, changelogged) store this step needs. */
  static StoreBuilder<KeyValueStore<String, byte[]>> storeBuilder() {
    return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Serdes.String(),
        Serdes.ByteArray());
  }

  @Override
  public void init(ProcessorContext<String, Sums> context) {
    this.context = context;
    this.seen = context.getStateStore(STORE);
    context.schedule(SWEEP_INTERVAL, PunctuationType.WALL_CLOCK_TIME,
        this::forgetOlderThanRetention);
  }

  @Override
  public void process(Record<String, SaleFact> message) {
    SaleFact fact = message.value();
    if (fact.rejected()) {
      forwardTotal(message, Sums.ONE_REJECTED);
      return;
    }
    byte[] hash = fact.contentHash();
    byte[] known = seen.get(message.key());
    if (known == null) {
      seen.put(message.key(), entry(context.currentSystemTimeMs(), hash));
      stats.counted.increment();
      for (ReportKey.Change change : fact.changes()) {
        context.forward(new Record<>(change.key(), change.sums(), message.timestamp()));
      }
    } else if (ByteBuffer.wrap(known, Long.BYTES, known.length - Long.BYTES)
        .equals(ByteBuffer.wrap(hash))) {
      stats.duplicates.increment();
      forwardTotal(message, Sums.ONE_DUPLICATE);
    } else {
      stats.conflicts.increment();
      forwardTotal(message, Sums.ONE_REJECTED);
    }
  }

  private void forwardTotal(Record<String, SaleFact> message, Sums change) {
    context.forward(new Record<>(ReportKey.of(Report.TOTAL, Report.TOTAL_KEY), change,
        message.timestamp()));
  }

  /** Deletes the ids first counted more than the retention before now. */
  void forgetOlderThanRetention(long now) {
    long cutoff = now - retention.toMillis();
    try (KeyValueIterator<String, byte[]> all = seen.all()) {
      while (all.hasNext()) {
        KeyValue<String, byte[]> e = all.next();
        if (ByteBuffer.wrap(e.value).getLong() < cutoff) seen.delete(e.key);
      }
    }
  }

  /** A store value: when the id was first counted (epoch ms), then the content hash. */
  static byte[] entry(long firstCountedMs, byte[] hash) {
    return ByteBuffer.allocate(Long.BYTES + hash.length).putLong(firstCountedMs).put(hash).array();
  }
}
