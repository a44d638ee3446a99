package local.salesstream.reports.app;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Settings from flags, the environment and defaults; one-line errors; the help text. */
class SettingsTest {
  @Test
  void settingsComeFromFlagsThenEnvironmentThenDefaults() throws Exception {
    Settings d = Settings.parse(new String[0], Map.of());
    assertEquals(List.of("localhost:9092"), d.brokers);
    assertEquals("sales_topic", d.salesTopic);
    assertEquals("sales-reports", d.applicationId);
    assertEquals("", d.prefix);
    assertNull(d.instanceId);
    assertNull(d.replicationFactor);
    assertEquals(Duration.ofDays(90), d.dedupeRetention);
    Settings s = Settings.parse(new String[] {"--brokers", "a:1,b:2", "--dedupe-days=7"},
        Map.of("KAFKA_BROKERS", "x:9", "REPORTS_INSTANCE_ID", "host-1", "REPORTS_MEMORY_MB", "32",
            "REPORTS_REPLICATION_FACTOR", "2"));
    assertEquals(List.of("a:1", "b:2"), s.brokers);
    assertEquals(Duration.ofDays(7), s.dedupeRetention);
    assertEquals("host-1", s.instanceId);
    assertEquals(32, s.memoryMb);
    assertEquals(2, s.replicationFactor);
  }

  @Test
  void badSettingsSayWhichOneInOneLine() {
    String[][] cases = {{"--brokers", "nohost"}, {"--dedupe-days", "0"}, {"--memory-mb", "x"},
        {"--nope", "1"}, {"--threads"}, {"--reports-group", "a b"}, {"--log-level", "loud"}};
    for (String[] args : cases) {
      ConfigException e = assertThrows(ConfigException.class, () -> Settings.parse(args, Map.of()));
      assertTrue(!e.getMessage().contains("\n"), e.getMessage());
    }
  }

  @Test
  void operationsSettingsHaveDefaultsAndRefuseBadValuesInOneLineNamingThem() throws Exception {
    Settings d = Settings.parse(new String[0], Map.of());
    assertEquals("text", d.logFormat);
    assertEquals(9465, d.metricsPort);
    assertEquals("127.0.0.1", d.metricsHost);
    Settings s = Settings.parse(new String[] {"--log-format", "JSON", "--reports-metrics-port=0"},
        Map.of("LOG_FORMAT", "text", "REPORTS_METRICS_PORT", "1", "REPORTS_METRICS_HOST", "::"));
    assertEquals("json", s.logFormat);
    assertEquals(0, s.metricsPort);
    assertEquals("::", s.metricsHost);
    Map<String, String> bad = Map.of(
        "LOG_FORMAT", "LOG_FORMAT takes text or json, got \"yaml\nsecond line\"",
        "REPORTS_METRICS_PORT", "REPORTS_METRICS_PORT must be a port from 1 to 65535, or 0 for"
            + " none, got \"65536\"",
        "REPORTS_METRICS_HOST", "REPORTS_METRICS_HOST must be a host name or an IP address like"
            + " 127.0.0.1 or ::, got \"http://x:1/\"");
    Map<String, String> values = Map.of("LOG_FORMAT", "yaml\nsecond line",
        "REPORTS_METRICS_PORT", "65536", "REPORTS_METRICS_HOST", "http://x:1/");
    for (var e : bad.entrySet()) {
      ConfigException refused = assertThrows(ConfigException.class,
          () -> Settings.parse(new String[0], Map.of(e.getKey(), values.get(e.getKey()))));
      assertEquals(e.getValue().replace("\n", "?"), refused.getMessage());
    }
    for (String port : List.of("-1", "9465x", " ", "1e3", "99999999999")) {
      assertThrows(ConfigException.class,
          () -> Settings.parse(new String[] {"--reports-metrics-port", port}, Map.of()), port);
    }
  }

  @Test
  void rawValuesAreReadBeforeTheCheckForLogging() {
    String[] args = {"--log-format", "json", "--log-level=info"};
    assertEquals("json", Settings.rawValue("LOG_FORMAT", args, Map.of("LOG_FORMAT", "text")));
    assertEquals("info", Settings.rawValue("REPORTS_LOG_LEVEL", args, Map.of()));
    assertEquals("text", Settings.rawValue("LOG_FORMAT", new String[0], Map.of()));
    assertEquals("nonsense", Settings.rawValue("LOG_FORMAT", new String[0],
        Map.of("LOG_FORMAT", "nonsense")));
    assertNull(Settings.logFormatOrNull("nonsense"));
    assertEquals("json", Settings.logFormatOrNull(" Json "));
  }

  @Test
  void helpListsEverySetting() {
    String help = Settings.help();
    for (Settings.Def d : Settings.DEFS) {
      assertTrue(help.contains(d.env()) && help.contains(d.flag()), d.env());
    }
    assertTrue(help.contains("CARD_HASH_SECRET "));
  }
}
