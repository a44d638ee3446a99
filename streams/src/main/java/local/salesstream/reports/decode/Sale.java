package local.salesstream.reports.decode;

/**
 * A validated sale, normalised as lib/core/sale.ts' {@code Sale}: money in whole cents, the card
 * number as digits only, the state as its two-letter code. Field order is the TypeScript one
 * (the content hash is taken over it).
 */
public record Sale(
    String saleId,
    String firstName,
    String lastName,
    String email,
    String jobTitle,
    String cardCompany,
    String cardNumber,
    int cardExpMonth,
    int cardExpYear,
    String category,
    String productName,
    long salePriceCents,
    long costPriceCents,
    String street,
    String city,
    String state,
    String zipcode) {

  /** This sale as JSON.stringify writes the TypeScript object, with the card number replaced. */
  String toJson(String cardNumberReplacement) {
    StringBuilder out = new StringBuilder(512);
    out.append('{');
    field(out, "saleId", saleId, false);
    field(out, "firstName", firstName, true);
    field(out, "lastName", lastName, true);
    field(out, "email", email, true);
    field(out, "jobTitle", jobTitle, true);
    field(out, "cardCompany", cardCompany, true);
    field(out, "cardNumber", cardNumberReplacement, true);
    out.append(",\"cardExpMonth\":").append(cardExpMonth);
    out.append(",\"cardExpYear\":").append(cardExpYear);
    field(out, "category", category, true);
    field(out, "productName", productName, true);
    out.append(",\"salePriceCents\":").append(salePriceCents);
    out.append(",\"costPriceCents\":").append(costPriceCents);
    field(out, "street", street, true);
    field(out, "city", city, true);
    field(out, "state", state, true);
    field(out, "zipcode", zipcode, true);
    return out.append('}').toString();
  }

  private static void field(StringBuilder out, String name, String value, boolean comma) {
    if (comma) out.append(',');
    out.append('"').append(name).append("\":");
    JsText.appendJsonString(out, value);
  }
}
