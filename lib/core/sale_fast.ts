/**
 * The fast path of validation: builds the `Sale` of a plainly valid record without zod, or
 * returns undefined so that `SaleRecordSchema` decides (and words the rejection). It must never
 * accept what the schema rejects, and must return exactly what the schema returns, key order
 * included (content hashes are taken over it); tests/core/sale_fast_test.ts checks both.
 */
import { z } from "zod";
import {
  cardDigits,
  MAX_CARD_COMPANY,
  MAX_EMAIL,
  MAX_SALE_ID,
  MAX_TEXT,
  parseExpiry,
  type Sale,
  SALE_ID_PATTERN,
  toCents,
  zipCode,
} from "./sale.ts";
import { stateCode } from "./us_states.ts";

const EMAIL = z.regexes.email;

/** A non-blank string of at most `max` characters without NUL, as the schema's text fields. */
function isText(value: unknown, max = MAX_TEXT): value is string {
  return typeof value === "string" && value.length <= max && value.trim() !== "" &&
    !value.includes("\0");
}

function saleIdOf(value: unknown): string | undefined {
  if (typeof value === "string") {
    return isText(value, MAX_SALE_ID) && SALE_ID_PATTERN.test(value) ? value : undefined;
  }
  return typeof value === "number" && Number.isSafeInteger(value) && value >= 0
    ? String(value)
    : undefined;
}

function centsOf(value: unknown): number | undefined {
  if (typeof value !== "number" && typeof value !== "string") return undefined;
  const cents = toCents(value);
  return typeof cents === "number" ? cents : undefined;
}

/** The normalised sale of a record every field of which is valid; undefined otherwise. */
export function parseSaleFast(r: Record<string, unknown>): Sale | undefined {
  const saleId = saleIdOf(r.sale_id);
  const { first_name, last_name, email, job_title, credit_card_company, category, product_name } =
    r;
  const { street, city } = r;
  if (
    saleId === undefined || !isText(first_name) || !isText(last_name) ||
    typeof email !== "string" || email.length > MAX_EMAIL || !EMAIL.test(email) ||
    typeof job_title !== "string" || job_title.length > MAX_TEXT || job_title.includes("\0") ||
    !isText(credit_card_company, MAX_CARD_COMPANY) || !isText(category) ||
    !isText(product_name) || !isText(street) || !isText(city)
  ) return undefined;
  const card = r.credit_card_number;
  const cardNumber = typeof card === "string" || typeof card === "number"
    ? cardDigits(card)
    : undefined;
  const expiry = typeof r.credit_card_expiration_date === "string"
    ? parseExpiry(r.credit_card_expiration_date)
    : undefined;
  const salePriceCents = centsOf(r.sale_price);
  const costPriceCents = centsOf(r.cost_price);
  const state = typeof r.state === "string" ? stateCode(r.state) : undefined;
  const zip = r.zipcode;
  const zipcode = typeof zip === "string" || (typeof zip === "number" && Number.isInteger(zip))
    ? zipCode(zip)
    : undefined;
  if (
    cardNumber === undefined || expiry === undefined || salePriceCents === undefined ||
    costPriceCents === undefined || state === undefined || zipcode === undefined
  ) return undefined;
  return {
    saleId,
    firstName: first_name,
    lastName: last_name,
    email,
    jobTitle: job_title,
    cardCompany: credit_card_company,
    cardNumber,
    cardExpMonth: expiry.month,
    cardExpYear: expiry.year,
    category,
    productName: product_name,
    salePriceCents,
    costPriceCents,
    street,
    city,
    state,
    zipcode,
  };
}
