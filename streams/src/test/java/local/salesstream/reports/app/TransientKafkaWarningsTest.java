package local.salesstream.reports.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The producer's retried writes: told once per error as information, other warnings kept. */
class TransientKafkaWarningsTest {
  private static final String RETRY = "Got error produce response with correlation id {} on"
      + " topic-partition {}, retrying ({} attempts left). Error: {}";

  @Test
  void readsTheErrorOfARetriedWrite() {
    assertEquals("CONCURRENT_TRANSACTIONS", TransientKafkaWarnings.retriedError(RETRY,
        new Object[] {31, "t-0", 2147483646, "CONCURRENT_TRANSACTIONS"}));
    assertEquals("OUT_OF_ORDER_SEQUENCE_NUMBER", TransientKafkaWarnings.retriedError(RETRY,
        new Object[] {32, "t-0", 5, "OUT_OF_ORDER_SEQUENCE_NUMBER. Error Message: late"}));
    assertEquals("MESSAGE_TOO_LARGE", TransientKafkaWarnings.retriedError(
        "Got error produce response in correlation id {} on topic-partition {}, splitting and"
            + " retrying ({} attempts left). Error: {}", new Object[] {1, "t-0", 3,
            "MESSAGE_TOO_LARGE"}));
    assertEquals("CONCURRENT_TRANSACTIONS", TransientKafkaWarnings.retriedError("[Producer"
        + " clientId=r-1-StreamThread-1-producer, transactionalId=r-1] Got error produce response"
        + " with correlation id 106 on topic-partition r-sale-ids-changelog-1, retrying"
        + " (2147483646 attempts left). Error: CONCURRENT_TRANSACTIONS", null));
    assertNull(TransientKafkaWarnings.retriedError("Received invalid metadata error", null));
    assertNull(TransientKafkaWarnings.retriedError("[Producer clientId=p] Got error produce"
        + " response with correlation id 1 on topic-partition t-0, not retrying. Error: X", null));
    assertNull(TransientKafkaWarnings.retriedError(RETRY, new Object[] {1, "t", 2, null}));
    assertNull(TransientKafkaWarnings.retriedError(RETRY, new Object[] {1, "t", 2, "lower"}));
  }

  @Test
  void aRetriedWriteIsToldOncePerErrorAndOtherWarningsPass() {
    LoggerContext context = new LoggerContext();
    TransientKafkaWarnings filter = new TransientKafkaWarnings();
    filter.setContext(context);
    filter.start();
    context.addTurboFilter(filter);
    ListAppender<ILoggingEvent> seen = new ListAppender<>();
    seen.setContext(context);
    seen.start();
    context.getLogger(Logger.ROOT_LOGGER_NAME).addAppender(seen);
    Logger sender = context.getLogger(TransientKafkaWarnings.SENDER);
    for (int i = 0; i < 40; i++) {
      // As Kafka's clients log: formatted, with the client's name in front.
      sender.warn("[Producer clientId=p-" + i + "] " + RETRY.replace("{}", "%s").formatted(i,
          "t-0", 5, i % 2 == 0 ? "CONCURRENT_TRANSACTIONS" : "OUT_OF_ORDER_SEQUENCE_NUMBER"));
    }
    sender.warn("Connection to node {} could not be established", 1);
    context.getLogger("org.apache.kafka.streams.KafkaStreams").warn(RETRY, 1, "t", 1, "X_Y");
    List<String> lines = seen.list.stream().map(e -> e.getLevel() + " " + e.getLoggerName()
        + " " + e.getFormattedMessage().replaceAll(": normal.*", "")).toList();
    assertEquals(List.of(
        "INFO sales-reports Kafka asked for a write to be retried (CONCURRENT_TRANSACTIONS)",
        "INFO sales-reports Kafka asked for a write to be retried (OUT_OF_ORDER_SEQUENCE_NUMBER)",
        "WARN " + TransientKafkaWarnings.SENDER + " Connection to node 1 could not be established",
        "WARN org.apache.kafka.streams.KafkaStreams Got error produce response with correlation id"
            + " 1 on topic-partition t, retrying (1 attempts left). Error: X_Y"), lines);

    filter.setActive(false);
    sender.warn(RETRY, 1, "t-0", 5, "CONCURRENT_TRANSACTIONS");
    assertEquals(5, seen.list.size(), "inactive: every line passes");
    assertEquals(Level.WARN, seen.list.get(4).getLevel());
  }
}
