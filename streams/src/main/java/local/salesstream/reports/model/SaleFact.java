package local.salesstream.reports.model;

import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
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
    boolean rejected, String contentHash, String category, String state, String city,
    String customerKey, String maskedEmail, String cardCompany, long priceCents, long costCents) {

  /** A message decode() rejected. */
  public static final SaleFact REJECTED = new SaleFact(true, "", "", "", "", "", "", "", 0, 0);

  /** The fact of a valid sale. */
  public static SaleFact of(Sale sale, Hashing hashing) {
    return new SaleFact(false, hashing.contentHash(sale), sale.category(), sale.state(),
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
  public static final Serde<SaleFact> SERDE = Codec.serde(SaleFact::write, SaleFact::read);

  private static void write(DataOutputStream out, SaleFact f) throws IOException {
    out.writeBoolean(f.rejected);
    if (f.rejected) return;
    out.writeUTF(f.contentHash);
    out.writeUTF(f.category);
    out.writeUTF(f.state);
    out.writeUTF(f.city);
    out.writeUTF(f.customerKey);
    out.writeUTF(f.maskedEmail);
    out.writeUTF(f.cardCompany);
    out.writeLong(f.priceCents);
    out.writeLong(f.costCents);
  }

  private static SaleFact read(DataInputStream in) throws IOException {
    if (in.readBoolean()) return REJECTED;
    return new SaleFact(false, in.readUTF(), in.readUTF(), in.readUTF(), in.readUTF(),
        in.readUTF(), in.readUTF(), in.readUTF(), in.readLong(), in.readLong());
  }
}
