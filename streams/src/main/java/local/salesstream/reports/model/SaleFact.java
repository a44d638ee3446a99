package local.salesstream.reports.model;

import java.io.DataInputStream;
import java.io.IOException;
import java.util.HexFormat;
import java.util.List;
import local.salesstream.reports.decode.Hashing;
import local.salesstream.reports.decode.Sale;
import org.apache.kafka.common.serialization.Serde;

/**
 * What the reports need of a decoded message, as it travels from the sales topic to the
 * de-duplication step (keyed by sale_id): the content hash and the report dimensions. It holds
 * no card number and no email, only the keyed customer key and the masked email the reports
 * publish anyway; a rejected message is just a marker.
 */
public record SaleFact(
    boolean rejected, byte[] contentHash, String category, String state, String city,
    String customerKey, String maskedEmail, String cardCompany, long priceCents, long costCents) {

  /** A message decode() rejected. */
  public static final SaleFact REJECTED =
      new SaleFact(true, new byte[0], "", "", "", "", "", "", 0, 0);

  /** The fact of a valid sale. */
  public static SaleFact of(Sale sale, Hashing hashing) {
    return new SaleFact(false, hashing.contentDigest(sale), sale.category(), sale.state(),
        sale.city(), hashing.customerKey(sale.email()), Report.maskEmail(sale.email()),
        sale.cardCompany(), sale.salePriceCents(), sale.costPriceCents());
  }

  /** The change a first-seen sale makes to each report, keyed by ReportKey. */
  public List<ReportKey.Change> changes() {
    Sums sale = Sums.sale(priceCents, costCents, "");
    return List.of(
        ReportKey.change(Report.TOTAL, Report.TOTAL_KEY, sale),
        ReportKey.change(Report.CATEGORY, category, sale),
        ReportKey.change(Report.STATE, state, sale),
        ReportKey.change(Report.CITY, state + "/" + city, sale),
        ReportKey.change(Report.CUSTOMER, customerKey,
            Sums.sale(priceCents, costCents, maskedEmail)),
        ReportKey.change(Report.CARD, cardCompany, sale));
  }

  /** The binary form in the sales-by-id repartition topic. */
  public static final Serde<SaleFact> SERDE =
      Codec.serde(SaleFact::write, SaleFact::read, SaleFact::readLegacy);

  private static void write(Codec.Out out, SaleFact f) {
    out.bool(f.rejected);
    if (f.rejected) return;
    out.u8(f.contentHash.length);
    out.bytes(f.contentHash, f.contentHash.length);
    out.utf(f.category);
    out.utf(f.state);
    out.utf(f.city);
    out.utf(f.customerKey);
    out.utf(f.maskedEmail);
    out.utf(f.cardCompany);
    out.varLong(f.priceCents);
    out.varLong(f.costCents);
  }

  private static SaleFact read(Codec.In in) {
    if (in.bool()) return REJECTED;
    int hashLength = in.u8();
    return new SaleFact(false, in.bytes(hashLength), in.utf(), in.utf(), in.utf(), in.utf(),
        in.utf(), in.utf(), in.varLong(), in.varLong());
  }

  /** A fact of the earlier format (the content hash in hex). */
  private static SaleFact readLegacy(DataInputStream in) throws IOException {
    if (in.readBoolean()) return REJECTED;
    return new SaleFact(false, HexFormat.of().parseHex(in.readUTF()), in.readUTF(), in.readUTF(),
        in.readUTF(), in.readUTF(), in.readUTF(), in.readUTF(), in.readLong(), in.readLong());
  }
}
