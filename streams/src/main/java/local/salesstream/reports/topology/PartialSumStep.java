package local.salesstream.reports.topology;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import local.salesstream.reports.model.Codec;
import local.salesstream.reports.model.Partial;
import local.salesstream.reports.model.ReportKey;
import local.salesstream.reports.model.Sums;
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
 * Third step, still on the sale id partition: adds each row change to this partition's running
 * sums of that row (store "partial-sums") and, once per commit interval, passes on the rows that
 * changed, each as its full {@link Partial}. A busy row (the total, a category, a state, a city,
 * a card company) so travels once per interval instead of once per sale. Customer rows, which
 * are rarely touched twice in an interval, skip this: their changes are passed on at once.
 *
 * <p>Exactness: the store write that marks a row pending, and the later write that clears the
 * mark together with passing the row on, each land in the same exactly-once transaction as the
 * input they come from. After a crash or a move to another instance the store (restored from
 * its changelog) still says which rows are pending, and {@link #init} picks them up.
 */
final class PartialSumStep implements Processor<String, Sums, String, Partial> {
  /** The store of this partition's row sums. */
  static final String STORE = "partial-sums";

  private final Duration interval;
  private final ProcessingStats stats;
  private final Set<String> pending = new LinkedHashSet<>();
  /** What the store holds, read without a store look-up (and its copy of the bytes) per sale. */
  private final Map<String, Partial> rows = new HashMap<>();
  private ProcessorContext<String, Partial> context;
  private KeyValueStore<String, Partial> sums;
  private int partition;

  /** A step passing on changed rows every interval (the commit interval). */
  PartialSumStep(Duration interval, ProcessingStats stats) {
    this.interval = interval;
    this.stats = stats;
  }

  /** The persistent, changelogged store this step needs (cached: written once a commit). */
  static StoreBuilder<KeyValueStore<String, Partial>> storeBuilder() {
    return Stores.keyValueStoreBuilder(Stores.persistentKeyValueStore(STORE), Codec.TEXT,
        Partial.SERDE).withCachingEnabled();
  }

  @Override
  public void init(ProcessorContext<String, Partial> context) {
    this.context = context;
    this.sums = context.getStateStore(STORE);
    this.partition = context.taskId().partition();
    stats.pendingRows.add(-pending.size()); // re-initialised without a close: start over
    pending.clear();
    rows.clear();
    try (KeyValueIterator<String, Partial> all = sums.all()) {
      while (all.hasNext()) {
        KeyValue<String, Partial> row = all.next();
        rows.put(row.key, row.value);
        if (row.value.pending()) pending.add(row.key);
      }
    }
    stats.pendingRows.add(pending.size());
    context.schedule(interval, PunctuationType.WALL_CLOCK_TIME, this::passOnChangedRows);
  }

  @Override
  public void process(Record<String, Sums> change) {
    if (!ReportKey.report(change.key()).preAggregated()) {
      context.forward(change.withValue(Partial.change(change.value())));
      return;
    }
    Partial before = rows.get(change.key());
    Sums after = before == null ? change.value() : before.sums().plus(change.value());
    Partial pendingRow = new Partial(partition, after, true);
    sums.put(change.key(), pendingRow);
    rows.put(change.key(), pendingRow);
    if (pending.add(change.key())) stats.pendingRows.increment();
  }

  /** The task closes (stopping, or moving to another instance): its rows are no longer here. */
  @Override
  public void close() {
    stats.pendingRows.add(-pending.size());
    pending.clear();
    rows.clear();
  }

  /** Passes on every pending row as its full partial, stamped with the punctuation time. */
  private void passOnChangedRows(long now) {
    for (String row : pending) {
      Partial changed = new Partial(partition, rows.get(row).sums(), false);
      sums.put(row, changed);
      rows.put(row, changed);
      context.forward(new Record<>(row, changed, now));
    }
    stats.pendingRows.add(-pending.size());
    pending.clear();
  }
}
