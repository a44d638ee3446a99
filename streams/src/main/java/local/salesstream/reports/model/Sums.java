package local.salesstream.reports.model;

import java.io.DataInputStream;
import java.io.IOException;
import java.math.BigInteger;
import org.apache.kafka.common.serialization.Serde;

/**
 * Running sums of one report row (or the change one message makes to them): sales counted,
 * revenue and cost in exact cents, the rejected and duplicate counters of total_sales_summary,
 * and, for customer_insights, the masked email it shows (other rows' labels are their keys).
 */
public record Sums(
    long count, BigInteger revenue, BigInteger cost, long rejected, long duplicates, String label) {

  /** Nothing counted yet. */
  static final Sums ZERO = new Sums(0, BigInteger.ZERO, BigInteger.ZERO, 0, 0, "");
  /** One bad message or conflicting duplicate. */
  public static final Sums ONE_REJECTED = new Sums(0, BigInteger.ZERO, BigInteger.ZERO, 1, 0, "");
  /** One re-delivered sale. */
  public static final Sums ONE_DUPLICATE = new Sums(0, BigInteger.ZERO, BigInteger.ZERO, 0, 1, "");

  /** One counted sale. */
  public static Sums sale(long priceCents, long costCents, String label) {
    return new Sums(1, BigInteger.valueOf(priceCents), BigInteger.valueOf(costCents), 0, 0, label);
  }

  /** These sums with others added; the label is the first one the row got. */
  public Sums plus(Sums other) {
    return new Sums(count + other.count, revenue.add(other.revenue), cost.add(other.cost),
        rejected + other.rejected, duplicates + other.duplicates,
        label.isEmpty() ? other.label : label);
  }

  /** The binary form in internal topics and stores. */
  static final Serde<Sums> SERDE = Codec.serde(Sums::write, Sums::read, Sums::readLegacy);

  static void write(Codec.Out out, Sums s) {
    out.varLong(s.count);
    out.bigInteger(s.revenue);
    out.bigInteger(s.cost);
    out.varLong(s.rejected);
    out.varLong(s.duplicates);
    out.utf(s.label);
  }

  static Sums read(Codec.In in) {
    return new Sums(in.varLong(), in.bigInteger(), in.bigInteger(), in.varLong(), in.varLong(),
        in.utf());
  }

  /** Sums in the earlier format. */
  static Sums readLegacy(DataInputStream in) throws IOException {
    return new Sums(in.readLong(), Codec.readLegacyBigInteger(in),
        Codec.readLegacyBigInteger(in), in.readLong(), in.readLong(), in.readUTF());
  }
}
