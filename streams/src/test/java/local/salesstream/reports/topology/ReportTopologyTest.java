package local.salesstream.reports.topology;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.Properties;
import local.salesstream.reports.decode.Hashing;
import local.salesstream.reports.decode.Sale;
import local.salesstream.reports.decode.SaleDecoder;
import local.salesstream.reports.model.Report;
import local.salesstream.reports.model.SaleFact;
import org.apache.kafka.common.serialization.ByteArraySerializer;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.TestInputTopic;
import org.apache.kafka.streams.TopologyTestDriver;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The whole topology on a test driver: report values, duplicates, conflicts, retention. */
class ReportTopologyTest {
  private static final String SECRET = "report-topology-test-secret";
  private static final Hashing HASHING = new Hashing(SECRET);
  private static final Instant START = Instant.parse("2025-01-01T00:00:00Z");

  @TempDir Path stateDir;
  private TopologyTestDriver driver;
  private TestInputTopic<byte[], byte[]> sales;

  private ProcessingStats stats;

  @BeforeEach
  void start() {
    start(1);
  }

  /** The topology on a driver, the sales-by-id topic having that many partitions. */
  private void start(int byIdPartitions) {
    stats = new ProcessingStats();
    Properties p = new Properties();
    p.put(StreamsConfig.APPLICATION_ID_CONFIG, "reports-test");
    p.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, "unused:9092");
    p.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, StreamsConfig.EXACTLY_ONCE_V2);
    p.put(StreamsConfig.STATE_DIR_CONFIG, stateDir.toString());
    driver = new TopologyTestDriver(ReportTopology.build("sales", byIdPartitions, "p_",
        Duration.ofDays(2), Duration.ofSeconds(1), HASHING, stats, p), p, START);
    sales = driver.createInputTopic("sales", new ByteArraySerializer(), new ByteArraySerializer());
  }

  @AfterEach
  void stop() {
    driver.close();
  }

  private void send(String key, String value) {
    sales.pipeInput(key.getBytes(StandardCharsets.UTF_8),
        value == null ? null : value.getBytes(StandardCharsets.UTF_8));
  }

  private static String sale(String id, String category, String state, String city, String email,
      String card, String price, String cost) {
    return "{\"sale_id\":\"" + id + "\",\"first_name\":\"Ann\",\"last_name\":\"Lee\",\"email\":\""
        + email + "\",\"job_title\":\"\",\"credit_card_company\":\"Visa\","
        + "\"credit_card_number\":\"" + card + "\",\"credit_card_expiration_date\":\"12/29\","
        + "\"category\":\"" + category + "\",\"product_name\":\"Thing\",\"sale_price\":" + price
        + ",\"cost_price\":" + cost + ",\"street\":\"1 Main St\",\"city\":\"" + city
        + "\",\"state\":\"" + state + "\",\"zipcode\":\"12345\"}";
  }

  /** What the report topic holds once the partial sums of the last interval are passed on. */
  private Map<String, String> report(Report r) {
    driver.advanceWallClockTime(Duration.ofSeconds(1));
    return driver.createOutputTopic(r.topic("p_"), new StringDeserializer(), new StringDeserializer())
        .readKeyValuesToMap();
  }

  @Test
  void publishesEveryReportAsTheTypeScriptStateDoes() {
    send("a", sale("a", "Books", "california", "Fresno", "ann@x.com", "4111 1111 1111 1111", "10.05", "\"4.00\""));
    send("b", sale("b", "Books", "TX", "Austin", "bob@y.org", "4111111111111111", "0.10", "0.2"));
    send("c", sale("c", "Toys", "CA", "Fresno", "ann@x.com", "5500-0000-0000-0004", "3", "1.5"));
    send("x", sale("a", "Books", "california", "Fresno", "ann@x.com", "4111 1111 1111 1111", "10.05", "\"4.00\""));
    send("a", sale("a", "Books", "CA", "Fresno", "ann@x.com", "4111111111111111", "99", "1"));
    send("junk", "not json");
    send("tombstone", null);

    assertEquals(Map.of("total", "{\"sales_count\":3,\"revenue\":\"13.15\",\"cost\":\"5.70\","
        + "\"profit\":\"7.45\",\"rejected\":3,\"duplicates\":1}"), report(Report.TOTAL));
    assertEquals(Map.of(
        "Books", "{\"category\":\"Books\",\"sales_count\":2,\"revenue\":\"10.15\",\"cost\":\"4.20\",\"profit\":\"5.95\"}",
        "Toys", "{\"category\":\"Toys\",\"sales_count\":1,\"revenue\":\"3.00\",\"cost\":\"1.50\",\"profit\":\"1.50\"}"),
        report(Report.CATEGORY));
    assertEquals(Map.of(
        "CA", "{\"state\":\"CA\",\"sales_count\":2,\"revenue\":\"13.05\",\"cost\":\"5.50\",\"profit\":\"7.55\"}",
        "TX", "{\"state\":\"TX\",\"sales_count\":1,\"revenue\":\"0.10\",\"cost\":\"0.20\",\"profit\":\"-0.10\"}"),
        report(Report.STATE));
    assertEquals(Map.of(
        "CA/Fresno", "{\"state\":\"CA\",\"city\":\"Fresno\",\"sales_count\":2,\"revenue\":\"13.05\",\"cost\":\"5.50\",\"profit\":\"7.55\"}",
        "TX/Austin", "{\"state\":\"TX\",\"city\":\"Austin\",\"sales_count\":1,\"revenue\":\"0.10\",\"cost\":\"0.20\",\"profit\":\"-0.10\"}"),
        report(Report.CITY));
    String ann = HASHING.customerKey("ann@x.com");
    String bob = HASHING.customerKey("bob@y.org");
    assertEquals(Map.of(
        ann, "{\"customer_key\":\"" + ann + "\",\"customer\":\"a***@x.com\",\"purchases\":2,"
            + "\"total_spent\":\"13.05\",\"average_purchase\":\"6.53\"}",
        bob, "{\"customer_key\":\"" + bob + "\",\"customer\":\"b***@y.org\",\"purchases\":1,"
            + "\"total_spent\":\"0.10\",\"average_purchase\":\"0.10\"}"),
        report(Report.CUSTOMER));
    assertEquals(Map.of("Visa", "{\"card_company\":\"Visa\",\"sales_count\":3,\"amount\":\"13.15\"}"),
        report(Report.CARD));
  }

  @Test
  void salesReadOnAnotherPartitionThanTheirSaleIdsTravelThroughSalesById() {
    // The driver reads every topic as partition 0: with 4 sales-by-id partitions, the sales
    // whose ids hash elsewhere are moved, read back from sales-by-id, and counted the same.
    stop();
    start(4);
    publishesEveryReportAsTheTypeScriptStateDoes();
    assertTrue(stats.moved.sum() > 0, "some sales were moved");
    assertTrue(stats.moved.sum() < 5, "some sales stayed");
  }

  @Test
  void aCountedSaleIsForgottenAfterTheRetention() {
    String first = sale("r1", "Books", "CA", "Fresno", "ann@x.com", "4111111111111111", "1", "1");
    send("r1", first);
    driver.advanceWallClockTime(Duration.ofDays(1));
    send("r1", first); // within the retention: a duplicate
    driver.advanceWallClockTime(Duration.ofDays(1).plusHours(2)); // swept after two days
    send("r1", first); // forgotten: counted again, as documented
    assertEquals("{\"sales_count\":2,\"revenue\":\"2.00\",\"cost\":\"2.00\",\"profit\":\"0.00\","
        + "\"rejected\":0,\"duplicates\":1}", report(Report.TOTAL).get("total"));
  }

  @Test
  void aFirstBadMessagePublishesAnEmptyTotal() {
    send("k", "[]");
    assertEquals("{\"sales_count\":0,\"revenue\":\"0.00\",\"cost\":\"0.00\",\"profit\":\"0.00\","
        + "\"rejected\":1,\"duplicates\":0}", report(Report.TOTAL).get("total"));
  }

  @Test
  void theRepartitionedFactHoldsNoCardNumberAndNoEmail() {
    Sale sale = ((SaleDecoder.Accepted) SaleDecoder.decode(sale("s", "Books", "CA", "Fresno",
        "someone@example.com", "4111111111111111", "1", "1").getBytes(StandardCharsets.UTF_8)))
        .sale();
    byte[] bytes = SaleFact.SERDE.serializer().serialize("t", SaleFact.of(sale, HASHING));
    String text = new String(bytes, StandardCharsets.ISO_8859_1);
    assertFalse(text.contains("4111111111111111"));
    assertFalse(text.contains("someone@example.com"));
    assertFalse(text.contains("someone"));
  }
}
