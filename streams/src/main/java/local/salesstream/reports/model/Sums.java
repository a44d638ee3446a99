package local.salesstream.reports.model;

import java.io.DataInputStream;
import java.io.DataOutputStream;
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
  static final Serde<Sums> SERDE = Codec.serde(Sums::write, Sums::read);

  static void write(DataOutputStream out, Sums s) throws IOException {
    out.writeLong(s.count);
    Codec.writeBigInteger(out, s.revenue);
    Codec.writeBigInteger(out, s.cost);
    out.writeLong(s.rejected);
    out.writeLong(s.duplicates);
    out.writeUTF(s.label);
  }

  static Sums read(DataInputStream in) throws IOException {
    return new Sums(in.readLong(), Codec.readBigInteger(in), Codec.readBigInteger(in),
        in.readLong(), in.readLong(), in.readUTF());
  }
}
