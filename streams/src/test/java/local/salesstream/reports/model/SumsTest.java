package local.salesstream.reports.model;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.math.BigInteger;
import org.junit.jupiter.api.Test;

/** Sums and their binary form. */
class SumsTest {
  @Test
  void sumsSurviveTheirBinaryForm() {
    Sums s = Sums.sale(Long.MAX_VALUE, 5, "S\ud800o Paulo")
        .plus(Sums.sale(Long.MAX_VALUE, 1, "")).plus(Sums.ONE_REJECTED).plus(Sums.ONE_DUPLICATE);
    Sums back = Sums.SERDE.deserializer().deserialize("t", Sums.SERDE.serializer().serialize("t", s));
    assertEquals(s, back);
    assertEquals(BigInteger.valueOf(Long.MAX_VALUE).shiftLeft(1), back.revenue());
  }
}
