package local.salesstream.reports.model;

import java.io.DataInputStream;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.serialization.Serde;

/**
 * A report row's latest partial sums from each sales-by-id partition, or for a customer row the
 * running sum of its changes (under {@link Partial#CHANGE}); the row's value is their total.
 * Kept in the "report-sums" store.
 */
public record RowSums(Map<Integer, Sums> partials) {
  /** No partition has reported the row yet. */
  public static final RowSums EMPTY = new RowSums(Map.of());

  /** These sums with one partition's partial replaced by a newer one, or a change added. */
  public RowSums with(Partial partial) {
    Map<Integer, Sums> next = new TreeMap<>(partials);
    if (partial.partition() == Partial.CHANGE) {
      next.merge(Partial.CHANGE, partial.sums(), Sums::plus);
    } else {
      next.put(partial.partition(), partial.sums());
    }
    return new RowSums(next);
  }

  /** The row's sums over every partition. */
  public Sums total() {
    Sums total = Sums.ZERO;
    for (Sums s : partials.values()) total = total.plus(s);
    return total;
  }

  /** The binary form in the report-sums store and its changelog. */
  public static final Serde<RowSums> SERDE =
      Codec.serde(RowSums::write, RowSums::read, RowSums::readLegacy);

  private static void write(Codec.Out out, RowSums r) {
    out.varLong(r.partials.size());
    for (Map.Entry<Integer, Sums> e : r.partials.entrySet()) {
      out.varLong(e.getKey());
      Sums.write(out, e.getValue());
    }
  }

  private static RowSums read(Codec.In in) {
    long n = in.varLong();
    Map<Integer, Sums> partials = new TreeMap<>();
    for (long i = 0; i < n; i++) partials.put((int) in.varLong(), Sums.read(in));
    return new RowSums(partials);
  }

  private static RowSums readLegacy(DataInputStream in) throws IOException {
    int n = in.readShort();
    Map<Integer, Sums> partials = new TreeMap<>();
    for (int i = 0; i < n; i++) partials.put(in.readInt(), Sums.readLegacy(in));
    return new RowSums(partials);
  }
}
