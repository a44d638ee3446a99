package local.salesstream.reports.model;

import java.io.DataInputStream;
import java.io.IOException;
import org.apache.kafka.common.serialization.Serde;

/**
 * One report row's sums over the sales of one sales-by-id partition, and whether they changed
 * since they were last passed on (pending). A full value, not a change: passing it on again is
 * harmless, which is what keeps the pre-aggregation exact across crashes and rebalances. With
 * partition {@link #CHANGE} it is instead one sale's change to a row that is not pre-aggregated.
 */
public record Partial(int partition, Sums sums, boolean pending) {
  /** The partition of a change to add (a customer row), rather than a partition's sums. */
  public static final int CHANGE = -1;

  /** One sale's change to a row that is passed on at once. */
  public static Partial change(Sums sums) {
    return new Partial(CHANGE, sums, false);
  }

  /** The binary form in the partial-sums store and the report-partials topic. */
  public static final Serde<Partial> SERDE =
      Codec.serde(Partial::write, Partial::read, Partial::readLegacy);

  private static void write(Codec.Out out, Partial p) {
    out.varLong(p.partition);
    out.bool(p.pending);
    Sums.write(out, p.sums);
  }

  private static Partial read(Codec.In in) {
    int partition = (int) in.varLong();
    boolean pending = in.bool();
    return new Partial(partition, Sums.read(in), pending);
  }

  private static Partial readLegacy(DataInputStream in) throws IOException {
    int partition = in.readInt();
    boolean pending = in.readBoolean();
    return new Partial(partition, Sums.readLegacy(in), pending);
  }
}
