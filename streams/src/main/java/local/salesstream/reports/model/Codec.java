package local.salesstream.reports.model;

import java.io.ByteArrayInputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import local.salesstream.reports.decode.Utf8;
import org.apache.kafka.common.errors.SerializationException;
import org.apache.kafka.common.serialization.Serde;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.common.serialization.Serializer;

/**
 * Binary encodings of the values in internal topics and state stores, written straight into a
 * byte array that each thread reuses: a format byte ({@link #FORMAT}), then the fields; whole
 * numbers as variable-length integers, text as modified UTF-8 (DataOutput's, which keeps every
 * Java string, lone surrogates included, as it was). A value without the format byte is one
 * written by the earlier DataOutputStream encoding (no version of it starts with that byte) and
 * is read as such, so state and in-flight records from before an upgrade stay readable.
 */
public final class Codec {
  private Codec() {}

  /** First byte of every value in this format; the earlier format never starts with it. */
  static final int FORMAT = 0xFE;

  /** Writes one value's fields. */
  interface Writer<T> {
    void write(Out out, T value);
  }

  /** Reads one value's fields. */
  interface Reader<T> {
    T read(In in);
  }

  /** Reads a value of the earlier format. */
  interface LegacyReader<T> {
    T read(DataInputStream in) throws IOException;
  }

  private static final ThreadLocal<Out> OUT = ThreadLocal.withInitial(Out::new);

  /** A serde of this format that still reads the earlier one (null stays null). */
  static <T> Serde<T> serde(Writer<T> writer, Reader<T> reader, LegacyReader<T> legacy) {
    return Serdes.serdeFrom(
        (topic, value) -> {
          if (value == null) return null;
          Out out = OUT.get().start();
          out.u8(FORMAT);
          writer.write(out, value);
          return out.toByteArray();
        },
        (topic, bytes) -> {
          if (bytes == null) return null;
          if (bytes.length > 0 && (bytes[0] & 0xFF) == FORMAT) {
            In in = new In(bytes, 1);
            T value = reader.read(in);
            if (in.pos != bytes.length) throw new SerializationException("trailing bytes");
            return value;
          }
          try (DataInputStream in = new DataInputStream(new ByteArrayInputStream(bytes))) {
            return legacy.read(in);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });
  }

  /**
   * Strings kept exactly (report keys may hold any text a sale's fields hold), in
   * DataOutput.writeUTF's bytes: a key's bytes in stores and topics are the same as before.
   */
  public static final Serde<String> TEXT = Serdes.serdeFrom(
      (topic, text) -> {
        if (text == null) return null;
        Out out = OUT.get().start();
        out.utf(text);
        return out.toByteArray();
      },
      (topic, bytes) -> bytes == null ? null : new In(bytes, 0).utf());

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

  /** A growing byte array, reused by its thread for one value at a time. */
  static final class Out {
    private byte[] buf = new byte[512];
    private int pos;

    Out start() {
      pos = 0;
      return this;
    }

    byte[] toByteArray() {
      return Arrays.copyOf(buf, pos);
    }

    private void room(int n) {
      if (pos + n > buf.length) buf = Arrays.copyOf(buf, Math.max(buf.length * 2, pos + n));
    }

    void u8(int b) {
      room(1);
      buf[pos++] = (byte) b;
    }

    void bool(boolean b) {
      u8(b ? 1 : 0);
    }

    /** A whole number, zigzag and seven bits a byte (1 byte up to 63, 2 up to 8191 ...). */
    void varLong(long v) {
      long z = (v << 1) ^ (v >> 63);
      room(10);
      while ((z & ~0x7FL) != 0) {
        buf[pos++] = (byte) ((z & 0x7F) | 0x80);
        z >>>= 7;
      }
      buf[pos++] = (byte) z;
    }

    /** Cents: a whole number when they fit in a long (always, in practice), else the bytes. */
    void bigInteger(BigInteger value) {
      if (value.bitLength() < Long.SIZE) {
        u8(0);
        varLong(value.longValue());
      } else {
        byte[] bytes = value.toByteArray();
        u8(bytes.length);
        bytes(bytes, bytes.length);
      }
    }

    void bytes(byte[] bytes, int length) {
      room(length);
      System.arraycopy(bytes, 0, buf, pos, length);
      pos += length;
    }

    /** Text as DataOutput.writeUTF writes it: two bytes of length, then modified UTF-8. */
    void utf(String s) {
      int n = s.length();
      room(2 + 3 * n);
      int start = pos;
      pos += 2;
      for (int i = 0; i < n; i++) {
        char c = s.charAt(i);
        if (c >= 0x0001 && c <= 0x007F) {
          buf[pos++] = (byte) c;
        } else if (c > 0x07FF) {
          buf[pos++] = (byte) (0xE0 | ((c >> 12) & 0x0F));
          buf[pos++] = (byte) (0x80 | ((c >> 6) & 0x3F));
          buf[pos++] = (byte) (0x80 | (c & 0x3F));
        } else {
          buf[pos++] = (byte) (0xC0 | ((c >> 6) & 0x1F));
          buf[pos++] = (byte) (0x80 | (c & 0x3F));
        }
      }
      int length = pos - start - 2;
      if (length > 0xFFFF) throw new SerializationException("text over 65535 bytes");
      buf[start] = (byte) (length >>> 8);
      buf[start + 1] = (byte) length;
    }
  }

  /** Reads the fields of one value. */
  static final class In {
    private final byte[] buf;
    private int pos;

    In(byte[] buf, int pos) {
      this.buf = buf;
      this.pos = pos;
    }

    private int next() {
      if (pos >= buf.length) throw new SerializationException("value ends early");
      return buf[pos++] & 0xFF;
    }

    boolean bool() {
      return next() != 0;
    }

    int u8() {
      return next();
    }

    long varLong() {
      long z = 0;
      for (int shift = 0; ; shift += 7) {
        if (shift > 63) throw new SerializationException("bad number");
        int b = next();
        z |= (long) (b & 0x7F) << shift;
        if ((b & 0x80) == 0) break;
      }
      return (z >>> 1) ^ -(z & 1);
    }

    BigInteger bigInteger() {
      int length = next();
      if (length == 0) return BigInteger.valueOf(varLong());
      return new BigInteger(bytes(length));
    }

    byte[] bytes(int length) {
      if (pos + length > buf.length) throw new SerializationException("value ends early");
      byte[] out = Arrays.copyOfRange(buf, pos, pos + length);
      pos += length;
      return out;
    }

    /** Text written by {@link Out#utf} (or DataOutput.writeUTF). */
    String utf() {
      int length = (next() << 8) | next();
      int end = pos + length;
      if (end > buf.length) throw new SerializationException("value ends early");
      int ascii = pos;
      while (ascii < end && buf[ascii] > 0) ascii++;
      if (ascii == end) {
        String s = new String(buf, pos, length, StandardCharsets.ISO_8859_1);
        pos = end;
        return s;
      }
      char[] chars = new char[length];
      int n = 0;
      while (pos < end) {
        int a = next();
        if (a < 0x80) {
          chars[n++] = (char) a;
        } else if ((a & 0xE0) == 0xC0) {
          chars[n++] = (char) (((a & 0x1F) << 6) | (next() & 0x3F));
        } else if ((a & 0xF0) == 0xE0) {
          chars[n++] = (char) (((a & 0x0F) << 12) | ((next() & 0x3F) << 6) | (next() & 0x3F));
        } else {
          throw new SerializationException("bad modified UTF-8");
        }
      }
      if (pos != end) throw new SerializationException("bad modified UTF-8");
      return new String(chars, 0, n);
    }
  }

  /** Cents of the earlier format. */
  static BigInteger readLegacyBigInteger(DataInputStream in) throws IOException {
    int length = in.readUnsignedByte();
    if (length == 0) return BigInteger.valueOf(in.readLong());
    byte[] bytes = new byte[length];
    in.readFully(bytes);
    return new BigInteger(bytes);
  }
}
