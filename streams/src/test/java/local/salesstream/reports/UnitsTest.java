package local.salesstream.reports;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.math.BigInteger;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Money, masking, encodings, hashing, the secret and the settings. */
class UnitsTest {
  @Test
  void moneyIsExactDecimalText() {
    assertEquals("0.00", Report.centsToDecimal(BigInteger.ZERO));
    assertEquals("1234.05", Report.centsToDecimal(BigInteger.valueOf(123405)));
    assertEquals("-0.50", Report.centsToDecimal(BigInteger.valueOf(-50)));
    assertEquals("92233720368547758.07", Report.centsToDecimal(BigInteger.valueOf(Long.MAX_VALUE)));
    assertEquals(BigInteger.valueOf(3), Report.divideRounded(BigInteger.valueOf(5), 2)); // 2.5 -> 3
    assertEquals(BigInteger.valueOf(2), Report.divideRounded(BigInteger.valueOf(7), 3)); // 2.33 -> 2
    assertEquals(BigInteger.ZERO, Report.divideRounded(BigInteger.TEN, 0));
  }

  @Test
  void sumsSurviveTheirBinaryForm() {
    Sums s = Sums.sale(Long.MAX_VALUE, 5, "S\ud800o Paulo")
        .plus(Sums.sale(Long.MAX_VALUE, 1, "")).plus(Sums.ONE_REJECTED).plus(Sums.ONE_DUPLICATE);
    Sums back = Sums.SERDE.deserializer().deserialize("t", Sums.SERDE.serializer().serialize("t", s));
    assertEquals(s, back);
    assertEquals(BigInteger.valueOf(Long.MAX_VALUE).shiftLeft(1), back.revenue());
  }

  @Test
  void emailsAreMaskedAsRedactTsDoes() {
    assertEquals("a***@x.com", Report.maskEmail("ann@x.com"));
    assertEquals("***", Report.maskEmail("@x.com"));
    assertEquals("a***@c.com", Report.maskEmail("a@b@c.com"));
  }

  @Test
  void loneSurrogatesBecomeTheReplacementCharacterInKafkaText() {
    assertArrayEquals(new byte[] {'a', (byte) 0xEF, (byte) 0xBF, (byte) 0xBD, 'b'},
        Utf8.encode("a\ud800b"));
    assertArrayEquals("é😀".getBytes(java.nio.charset.StandardCharsets.UTF_8), Utf8.encode("é😀"));
    assertEquals("\"\\ud800\\n\\u0001😀\"", JsText.jsonString("\ud800\n\u0001😀"));
  }

  @Test
  void keyedHashesAreHmacSha256() {
    // RFC 4231 test case 2.
    assertEquals("5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
        new Hashing("Jefe").keyedHash("what do ya want for nothing?"));
  }

  @Test
  void theSecretComesFromTheEnvironmentElseTheFile(@TempDir Path dir) throws Exception {
    Path file = dir.resolve("card-hash-secret");
    assertEquals("0123456789abcdef", CardHashKey.load("0123456789abcdef", file));
    assertThrows(ConfigException.class, () -> CardHashKey.load("short", file));
    assertThrows(ConfigException.class, () -> CardHashKey.load(null, file));
    Files.writeString(file, "  from-file-secret\n");
    assertEquals("from-file-secret", CardHashKey.load(null, file));
  }

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
