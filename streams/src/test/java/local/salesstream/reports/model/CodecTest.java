package local.salesstream.reports.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.util.HexFormat;
import java.util.Map;
import org.apache.kafka.common.errors.SerializationException;
import org.junit.jupiter.api.Test;

/** The binary format of internal topics and stores, and the earlier one it still reads. */
class CodecTest {
  private static final String ODD = "S\u00e3o\u0000 Paulo \ud800 \ud83d\ude00 \u2028/";

  /** Bytes as the earlier DataOutputStream encoding wrote them. */
  private interface Legacy {
    void write(DataOutputStream out) throws IOException;
  }

  private static byte[] legacy(Legacy body) throws IOException {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      body.write(out);
    }
    return bytes.toByteArray();
  }

  private static void legacySums(DataOutputStream out, long count, long revenue, String label)
      throws IOException {
    out.writeLong(count);
    out.writeByte(0);
    out.writeLong(revenue);
    out.writeByte(0);
    out.writeLong(1);
    out.writeLong(2);
    out.writeLong(3);
    out.writeUTF(label);
  }

  @Test
  void textKeysAreTheBytesDataOutputWrites() throws IOException {
    byte[] expected = legacy(out -> out.writeUTF(ODD));
    assertArrayEquals(expected, Codec.TEXT.serializer().serialize("t", ODD));
    assertEquals(ODD, Codec.TEXT.deserializer().deserialize("t", expected));
    assertEquals("ab", Codec.TEXT.deserializer().deserialize("t", legacy(o -> o.writeUTF("ab"))));
  }

  @Test
  void valuesOfTheEarlierFormatAreStillRead() throws IOException {
    Sums sums = new Sums(4, java.math.BigInteger.valueOf(1234), java.math.BigInteger.ONE, 2, 3,
        ODD);
    byte[] partial = legacy(out -> {
      out.writeInt(-1);
      out.writeBoolean(true);
      legacySums(out, 4, 1234, ODD);
    });
    assertEquals(new Partial(Partial.CHANGE, sums, true),
        Partial.SERDE.deserializer().deserialize("t", partial));
    byte[] row = legacy(out -> {
      out.writeShort(1);
      out.writeInt(5);
      legacySums(out, 4, 1234, ODD);
    });
    assertEquals(new RowSums(Map.of(5, sums)),
        RowSums.SERDE.deserializer().deserialize("t", row));
    String hash = "00ff".repeat(16);
    byte[] fact = legacy(out -> {
      out.writeBoolean(false);
      out.writeUTF(hash);
      for (String s : new String[] {"Toys", "TX", ODD, "key", "a***@x.com", "Visa"}) {
        out.writeUTF(s);
      }
      out.writeLong(1999);
      out.writeLong(1000);
    });
    SaleFact read = SaleFact.SERDE.deserializer().deserialize("t", fact);
    assertArrayEquals(HexFormat.of().parseHex(hash), read.contentHash());
    assertEquals(ODD, read.city());
    assertEquals(1999, read.priceCents());
  }

  @Test
  void valuesSurviveTheirBinaryFormAndAreCompact() {
    SaleFact fact = new SaleFact(false, new byte[32], "Toys", "TX", ODD, "k".repeat(64),
        "a***@x.com", "Visa", 99_999_999_999_999L, 0);
    byte[] bytes = SaleFact.SERDE.serializer().serialize("t", fact);
    SaleFact back = SaleFact.SERDE.deserializer().deserialize("t", bytes);
    assertArrayEquals(fact.contentHash(), back.contentHash());
    assertEquals(new SaleFact(false, back.contentHash(), "Toys", "TX", ODD, "k".repeat(64),
        "a***@x.com", "Visa", 99_999_999_999_999L, 0), back);
    assertEquals(SaleFact.REJECTED,
        SaleFact.SERDE.deserializer().deserialize("t",
            SaleFact.SERDE.serializer().serialize("t", SaleFact.REJECTED)));
    Partial partial = new Partial(7, Sums.sale(Long.MAX_VALUE, 5, ""), true);
    assertEquals(partial, Partial.SERDE.deserializer().deserialize("t",
        Partial.SERDE.serializer().serialize("t", partial)));
    assertEquals(14, Partial.SERDE.serializer().serialize("t", new Partial(0, Sums.sale(1999,
        1000, ""), false)).length);
  }

  @Test
  void damagedValuesFailWithASerializationError() {
    byte[] bytes = Partial.SERDE.serializer().serialize("t", new Partial(0, Sums.ZERO, false));
    byte[] shorter = java.util.Arrays.copyOf(bytes, bytes.length - 1);
    assertThrows(SerializationException.class,
        () -> Partial.SERDE.deserializer().deserialize("t", shorter));
    byte[] longer = java.util.Arrays.copyOf(bytes, bytes.length + 1);
    assertThrows(SerializationException.class,
        () -> Partial.SERDE.deserializer().deserialize("t", longer));
  }
}
