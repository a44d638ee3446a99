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
  void helpListsEverySetting() {
    String help = Settings.help();
    for (Settings.Def d : Settings.DEFS) {
      assertTrue(help.contains(d.env()) && help.contains(d.flag()), d.env());
    }
    assertTrue(help.contains("CARD_HASH_SECRET "));
  }
}
