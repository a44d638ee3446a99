package local.salesstream.reports.model;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import local.salesstream.reports.decode.Utf8;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Binary encodings of the values in internal topics and state stores (DataOutput: strings as
 * modified UTF-8, which keeps every Java string, lone surrogates included, as it was).
 */
public final class Codec {
  private Codec() {}

  /** Writes one value. */
  interface Writer<T> {
    void write(DataOutputStream out, T value) throws IOException;
  }

  /** Reads one value. */
  interface Reader<T> {
    T read(DataInputStream in) throws IOException;
  }

  /** A serde from a writer and a reader (null stays null). */
  static <T> Serde<T> serde(Writer<T> writer, Reader<T> reader) {
    return Serdes.serdeFrom(
        (topic, value) -> value == null ? null : encode(writer, value),
        (topic, bytes) -> bytes == null ? null : decode(reader, bytes));
  }

  /** Strings kept exactly (report keys may hold any text a sale's fields hold). */
  public static final Serde<String> TEXT =
      serde(DataOutputStream::writeUTF, in -> in.readUTF());

  /**
   * Keys of the report topics: UTF-8 as the TypeScript side writes them (lone surrogates as
   * U+FFFD), so both sides' keys for a row are the same bytes.
   */
  public static final Serde<String> KAFKA_UTF8 =
      writeOnly((topic, text) -> text == null ? null : Utf8.encode(text));

  /** A serde for values this module only writes. */
  public static <T> Serde<T> writeOnly(Serializer<T> serializer) {
    return Serdes.serdeFrom(serializer, (topic, bytes) -> {
      throw new UnsupportedOperationException("this module never reads back " + topic);
    });
  }

  /** Cents: one long when they fit (always, in practice), else the full number. */
  static void writeBigInteger(DataOutputStream out, BigInteger value) throws IOException {
    if (value.bitLength() < Long.SIZE) {
      out.writeByte(0);
      out.writeLong(value.longValueExact());
    } else {
      byte[] bytes = value.toByteArray();
      out.writeByte(bytes.length);
      out.write(bytes);
    }
  }

  static BigInteger readBigInteger(DataInputStream in) throws IOException {
    int length = in.readUnsignedByte();
    if (length == 0) return BigInteger.valueOf(in.readLong());
    byte[] bytes = new byte[length];
    in.readFully(bytes);
    return new BigInteger(bytes);
  }

  private static <T> byte[] encode(Writer<T> writer, T value) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(128);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      writer.write(out, value);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return bytes.toByteArray();
  }

  private static <T> T decode(Reader<T> reader, byte[] bytes) {
    try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
      return reader.read(in);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
