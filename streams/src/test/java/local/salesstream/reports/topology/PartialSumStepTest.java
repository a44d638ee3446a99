package local.salesstream.reports.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import local.salesstream.reports.model.Codec;
import local.salesstream.reports.model.Partial;
import local.salesstream.reports.model.Report;
import local.salesstream.reports.model.ReportKey;
import local.salesstream.reports.model.Sums;
import org.apache.kafka.streams.processor.api.MockProcessorContext;
import org.apache.kafka.streams.processor.api.Record;
import org.apache.kafka.streams.state.KeyValueStore;
import org.apache.kafka.streams.state.Stores;
import org.junit.jupiter.api.Test;

/** The pre-aggregation: pending rows survive a restart, customer rows pass straight on. */
class PartialSumStepTest {
  private static final String TOTAL = ReportKey.of(Report.TOTAL, Report.TOTAL_KEY);
  private static final String CUSTOMER = ReportKey.of(Report.CUSTOMER, "abc");

  private static KeyValueStore<String, Partial> store(MockProcessorContext<String, Partial> context) {
    KeyValueStore<String, Partial> store = Stores.keyValueStoreBuilder(
            Stores.inMemoryKeyValueStore(PartialSumStep.STORE), Codec.TEXT, Partial.SERDE)
        .withLoggingDisabled().withCachingDisabled().build();
    store.init(context.getStateStoreContext(), store);
    context.addStateStore(store);
    return store;
  }

  @Test
  void passesOnChangedRowsOncePerIntervalAndCustomerRowsAtOnce() {
    MockProcessorContext<String, Partial> context = new MockProcessorContext<>();
    KeyValueStore<String, Partial> store = store(context);
    ProcessingStats stats = new ProcessingStats();
    PartialSumStep step = new PartialSumStep(Duration.ofSeconds(1), stats);
    step.init(context);
    step.process(new Record<>(TOTAL, Sums.sale(100, 40, ""), 0));
    step.process(new Record<>(TOTAL, Sums.sale(250, 60, ""), 0));
    step.process(new Record<>(CUSTOMER, Sums.sale(100, 40, "a***@x.com"), 0));

    List<MockProcessorContext.CapturedForward<? extends String, ? extends Partial>> now =
        context.forwarded();
    assertEquals(1, now.size(), "only the customer change goes at once");
    assertEquals(Partial.CHANGE, now.get(0).record().value().partition());
    assertTrue(store.get(TOTAL).pending());
    assertEquals(1, stats.pendingRows.sum(), "one row waits to be passed on");

    context.resetForwards();
    context.scheduledPunctuators().get(0).getPunctuator().punctuate(1000);
    assertEquals(1, context.forwarded().size());
    Partial total = context.forwarded().get(0).record().value();
    assertEquals(2, total.sums().count());
    assertEquals(350, total.sums().revenue().longValue());
    assertFalse(store.get(TOTAL).pending());
    assertEquals(0, stats.pendingRows.sum());
  }

  @Test
  void aRowStillPendingAfterARestartIsPassedOn() {
    MockProcessorContext<String, Partial> context = new MockProcessorContext<>();
    KeyValueStore<String, Partial> store = store(context);
    store.put(TOTAL, new Partial(0, Sums.sale(5, 1, ""), true));
    store.put(ReportKey.of(Report.STATE, "TX"), new Partial(0, Sums.sale(7, 1, ""), false));
    ProcessingStats stats = new ProcessingStats();
    PartialSumStep step = new PartialSumStep(Duration.ofSeconds(1), stats);
    step.init(context); // as after a crash: the restored store says what was not passed on
    step.init(context); // initialised again without a close: still counted once
    assertEquals(1, stats.pendingRows.sum());
    context.scheduledPunctuators().get(0).getPunctuator().punctuate(1000);
    assertEquals(1, context.forwarded().size());
    assertEquals(TOTAL, context.forwarded().get(0).record().key());
    step.process(new Record<>(TOTAL, Sums.sale(1, 1, ""), 0));
    step.close(); // the task moves away before passing the row on
    assertEquals(0, stats.pendingRows.sum());
  }
}
