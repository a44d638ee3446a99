package local.salesstream.reports.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.util.ContextInitializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.OffsetDateTime;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/** Both log forms: the process' lines and Kafka's, their time, level, logger, message, fields. */
class LoggingTest {
  private final PrintStream stdout = System.out;
  private final PrintStream stderr = System.err;
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final ByteArrayOutputStream err = new ByteArrayOutputStream();

  @BeforeEach
  void capture() {
    System.setOut(new PrintStream(out, true, StandardCharsets.UTF_8));
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
  }

  @AfterEach
  void restore() throws Exception {
    System.setOut(stdout);
    System.setErr(stderr);
    LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
    context.reset();
    new ContextInitializer(context).autoConfig();
  }

  private List<String> lines(ByteArrayOutputStream stream) {
    String text = stream.toString(StandardCharsets.UTF_8);
    return text.isEmpty() ? List.of() : List.of(text.split("\n"));
  }

  private static void logSome() {
    Console.event("RUNNING, lag 5", "lag", 5, "state", "RUNNING", "missing", null);
    Console.info("warning: report topic x is not compacted");
    Console.error("stream thread failed: \"quoted\"\nsecond line");
    LoggerFactory.getLogger("org.apache.kafka.clients.consumer.KafkaConsumer").warn("a {}", "w");
    LoggerFactory.getLogger("org.apache.kafka.clients.consumer.KafkaConsumer").info("hidden");
    LoggerFactory.getLogger("org.apache.kafka.clients.NetworkClient").warn("held to errors");
  }

  @Test
  void jsonIsOneObjectPerLineWithTimeLevelLoggerMessageAndFields() throws Exception {
    Logging.configure("json", "warn");
    logSome();
    ObjectMapper json = new ObjectMapper();
    List<String> events = lines(out);
    assertEquals(1, events.size(), String.join("\n", events));
    JsonNode event = json.readTree(events.get(0));
    OffsetDateTime.parse(event.get("time").asText()); // ISO 8601
    assertTrue(event.get("time").asText().matches(".*T\\d\\d:\\d\\d:\\d\\d\\.\\d{3}.*"));
    assertEquals("INFO", event.get("level").asText());
    assertEquals("sales-reports", event.get("logger").asText());
    assertEquals("RUNNING, lag 5", event.get("msg").asText());
    assertEquals(5, event.get("lag").asInt());
    assertEquals("RUNNING", event.get("state").asText());
    assertTrue(!event.has("missing"));

    List<String> problems = lines(err);
    assertEquals(3, problems.size(), String.join("\n", problems));
    List<Map<String, String>> parsed = problems.stream().map(l -> {
      try {
        JsonNode n = json.readTree(l);
        return Map.of("level", n.get("level").asText(), "logger", n.get("logger").asText(),
            "msg", n.get("msg").asText());
      } catch (Exception e) {
        throw new AssertionError(l, e);
      }
    }).toList();
    assertEquals(List.of(
        Map.of("level", "WARN", "logger", "sales-reports",
            "msg", "warning: report topic x is not compacted"),
        Map.of("level", "ERROR", "logger", "sales-reports",
            "msg", "stream thread failed: \"quoted\"\nsecond line"),
        Map.of("level", "WARN", "logger", "org.apache.kafka.clients.consumer.KafkaConsumer",
            "msg", "a w")), parsed);
  }

  @Test
  void textIsOneLineWithTimeAndLevel() {
    Logging.configure("text", "warn");
    logSome();
    String time = "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d)";
    List<String> events = lines(out);
    assertEquals(1, events.size(), String.join("\n", events));
    assertTrue(events.get(0).matches(time + " INFO RUNNING, lag 5"), events.get(0));
    List<String> problems = lines(err);
    assertTrue(problems.get(0).matches(time
        + " WARN sales-reports: warning: report topic x is not compacted"), problems.get(0));
    assertTrue(problems.get(1).matches(time + " ERROR sales-reports: stream thread failed:"
        + " \"quoted\""), problems.get(1));
    assertEquals("second line", problems.get(2));
    assertTrue(problems.get(3).matches(time + " WARN \\[[^]]+\\] KafkaConsumer - a w"),
        problems.get(3));
    assertEquals(4, problems.size(), String.join("\n", problems));
  }

  @Test
  void atInfoKafkaSaysMore() {
    Logging.configure("text", "info");
    logSome();
    String problems = err.toString(StandardCharsets.UTF_8);
    assertTrue(problems.contains(" INFO [") && problems.contains("KafkaConsumer - hidden"));
    assertTrue(problems.contains("NetworkClient - held to errors"));
  }

  @Test
  void settingsThatCannotBeReadGiveTheTextFormForTheirError() {
    Logging.configure(new String[] {"--log-format", "xml"}, Map.of("REPORTS_LOG_LEVEL", "loud"));
    Console.error("LOG_FORMAT takes text or json, got \"xml\"");
    assertTrue(err.toString(StandardCharsets.UTF_8).matches(
        "\\S+ ERROR sales-reports: LOG_FORMAT takes text or json, got \"xml\"\n"));
  }
}
