package local.salesstream.reports.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/** Money as exact decimal text, and masked emails. */
class ReportTest {
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
  void emailsAreMaskedAsRedactTsDoes() {
    assertEquals("a***@x.com", Report.maskEmail("ann@x.com"));
    assertEquals("***", Report.maskEmail("@x.com"));
    assertEquals("a***@c.com", Report.maskEmail("a@b@c.com"));
  }
}
