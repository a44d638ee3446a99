package local.salesstream.reports.decode;

import com.fasterxml.jackson.core.JsonGenerator;
import java.io.IOException;
import java.security.MessageDigest;

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

  /**
   * This sale as JSON.stringify writes the TypeScript object, in UTF-8, with the card number
   * replaced.
   */
  byte[] toJson(String cardNumberReplacement) {
    return JsonBytes.write(out -> writeJson(out, cardNumberReplacement));
  }

  /** The digest of {@link #toJson}'s bytes, without making them. */
  byte[] jsonDigest(MessageDigest digest, String cardNumberReplacement) {
    return JsonBytes.digest(digest, out -> writeJson(out, cardNumberReplacement));
  }

  private void writeJson(JsonGenerator out, String cardNumberReplacement) throws IOException {
    out.writeStartObject();
    out.writeStringField("saleId", saleId);
    out.writeStringField("firstName", firstName);
    out.writeStringField("lastName", lastName);
    out.writeStringField("email", email);
    out.writeStringField("jobTitle", jobTitle);
    out.writeStringField("cardCompany", cardCompany);
    out.writeStringField("cardNumber", cardNumberReplacement);
    out.writeNumberField("cardExpMonth", cardExpMonth);
    out.writeNumberField("cardExpYear", cardExpYear);
    out.writeStringField("category", category);
    out.writeStringField("productName", productName);
    out.writeNumberField("salePriceCents", salePriceCents);
    out.writeNumberField("costPriceCents", costPriceCents);
    out.writeStringField("street", street);
    out.writeStringField("city", city);
    out.writeStringField("state", state);
    out.writeStringField("zipcode", zipcode);
    out.writeEndObject();
  }
}
