/** The sales record: its wire schema (shared by producer and consumer) and normalised form. */
import { z } from "zod";
import { stateCode } from "./us_states.ts";

/** The 16 fields of a sales record as it travels on Kafka (the original's names). */
export const RECORD_FIELDS = [
  "sale_id",
  "first_name",
  "last_name",
  "email",
  "job_title",
  "credit_card_company",
  "credit_card_number",
  "credit_card_expiration_date",
  "category",
  "product_name",
  "sale_price",
  "cost_price",
  "street",
  "city",
  "state",
  "zipcode",
] as const;

/** A sales record as read from a file or produced to Kafka. */
export type SaleRecord = Record<(typeof RECORD_FIELDS)[number], string | number>;

/** A validated sale; money in whole cents, card number as digits only. */
export interface Sale {
  saleId: string;
  firstName: string;
  lastName: string;
  email: string;
  jobTitle: string;
  cardCompany: string;
  cardNumber: string;
  cardExpMonth: number;
  cardExpYear: number;
  category: string;
  productName: string;
  salePriceCents: number;
  costPriceCents: number;
  street: string;
  city: string;
  state: string;
  zipcode: string;
}

/** Largest price numeric(14,2) holds, in cents. */
const MAX_PRICE_CENTS = 999_999_999_999_99;
/** Longest text field accepted, in characters. */
export const MAX_TEXT = 200;

/** Characters a string sale_id may hold. */
export const SALE_ID_PATTERN = /^[\w.:-]+$/;
/** Longest sale_id, email and card company accepted, in characters. */
export const MAX_SALE_ID = 64, MAX_EMAIL = 254, MAX_CARD_COMPANY = 50;

const text = (max = MAX_TEXT) =>
  z.string().max(max, `longer than ${max} characters`).refine((s) => s.trim() !== "", "empty")
    .refine((s) => !s.includes("\0"), "contains a NUL byte");

const money = z.union([z.number(), z.string()]).transform((value, ctx) => {
  const cents = toCents(value);
  if (typeof cents === "string") {
    ctx.addIssue({ code: "custom", message: cents });
    return z.NEVER;
  }
  return cents;
});

/** Converts a price (number or decimal string) to cents, or says why it is not a price. */
export function toCents(value: number | string): number | string {
  let cents: number;
  if (typeof value === "number") {
    if (!Number.isFinite(value)) return "not a finite number";
    cents = Math.round(value * 100);
    if (Math.abs(value * 100 - cents) > 1e-6) return "has more than two decimals";
  } else {
    const m = /^\s*(\d{1,15})(?:\.(\d{1,2}))?\s*$/.exec(value);
    if (!m) return "not a decimal amount like 12.34";
    cents = Number(m[1]) * 100 + Number((m[2] ?? "0").padEnd(2, "0"));
  }
  if (cents < 0) return "negative";
  if (cents > MAX_PRICE_CENTS) return "too large";
  return cents;
}

/** The digits of a card number given as digits, spaces and dashes (or a number); undefined when not 12 to 19 digits. */
export function cardDigits(value: string | number): string | undefined {
  const digits = typeof value === "number"
    ? (Number.isSafeInteger(value) ? String(value) : "")
    : /^[\d -]+$/.test(value)
    ? value.replace(/[ -]/g, "")
    : "";
  return /^\d{12,19}$/.test(digits) ? digits : undefined;
}

/** A zod transform that reads a value with `read`; where it gives undefined, the issue `message`. */
function readWith<I, O>(read: (value: I) => O | undefined, message: string) {
  return (value: I, ctx: z.RefinementCtx<I>): O => {
    const out = read(value);
    if (out === undefined) {
      ctx.addIssue({ code: "custom", message });
      return z.NEVER;
    }
    return out;
  };
}

const cardNumber = z.union([z.string(), z.number()])
  .transform(readWith(cardDigits, "not 12 to 19 digits"));

const expiry = z.string().transform(readWith(parseExpiry, "not a card expiry like MM/YY"));

/** Reads a card expiry written MM/YY, MM/YYYY or YYYY-MM; undefined when it is none of these. */
export function parseExpiry(value: string): { month: number; year: number } | undefined {
  const slash = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(value);
  const iso = /^\s*(\d{4})-(\d{2})\s*$/.exec(value);
  const [monthText, yearText] = slash
    ? [slash[1]!, slash[2]!]
    : iso
    ? [iso[2]!, iso[1]!]
    : ["", ""];
  const month = Number(monthText);
  const year = yearText.length === 2 ? 2000 + Number(yearText) : Number(yearText);
  if (!monthText || !(month >= 1 && month <= 12) || !(year >= 2000 && year <= 2099)) {
    return undefined;
  }
  return { month, year };
}

const saleId = z.union([
  text(MAX_SALE_ID).refine(
    (s) => SALE_ID_PATTERN.test(s),
    "has characters other than letters, digits, _ . : -",
  ),
  z.number().int().nonnegative().refine(Number.isSafeInteger, "too large"),
]).transform(String);

/** A US ZIP code (12345 or 12345-6789; a number is zero-padded); undefined when it is none. */
export function zipCode(value: string | number): string | undefined {
  const zip = typeof value === "number"
    ? (value >= 0 && value <= 99999 ? String(value).padStart(5, "0") : "")
    : value.trim();
  return /^\d{5}(-\d{4})?$/.test(zip) ? zip : undefined;
}

const zipcode = z.union([z.string(), z.number().int()])
  .transform(readWith(zipCode, "not a US ZIP code like 12345 or 12345-6789"));

const state = z.string().transform(readWith(stateCode, "not a US state or DC"));

/** The zod schema of one record on the wire; parsing yields a normalised `Sale`. */
export const SaleRecordSchema = z.object({
  sale_id: saleId,
  first_name: text(),
  last_name: text(),
  email: z.email("not an email address").max(MAX_EMAIL, `longer than ${MAX_EMAIL} characters`),
  job_title: z.string().max(MAX_TEXT, `longer than ${MAX_TEXT} characters`)
    .refine((s) => !s.includes("\0"), "contains a NUL byte"),
  credit_card_company: text(MAX_CARD_COMPANY),
  credit_card_number: cardNumber,
  credit_card_expiration_date: expiry,
  category: text(),
  product_name: text(),
  sale_price: money,
  cost_price: money,
  street: text(),
  city: text(),
  state,
  zipcode,
}).transform((r): Sale => ({
  saleId: r.sale_id,
  firstName: r.first_name,
  lastName: r.last_name,
  email: r.email,
  jobTitle: r.job_title,
  cardCompany: r.credit_card_company,
  cardNumber: r.credit_card_number,
  cardExpMonth: r.credit_card_expiration_date.month,
  cardExpYear: r.credit_card_expiration_date.year,
  category: r.category,
  productName: r.product_name,
  salePriceCents: r.sale_price,
  costPriceCents: r.cost_price,
  street: r.street,
  city: r.city,
  state: r.state,
  zipcode: r.zipcode,
}));
