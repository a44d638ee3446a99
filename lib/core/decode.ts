/** Turns a Kafka message value into a validated sale or a rejection; never throws. */
import { type Sale, SaleRecordSchema } from "./sale.ts";
import { maskCardNumbers } from "./redact.ts";
import { parseSaleFast } from "./sale_fast.ts";

/** Largest message value accepted, in bytes. */
export const MAX_MESSAGE_BYTES = 64 * 1024;

/** The reasons decode() gives, as stable codes (the DLQ's `error` header starts with one). */
export const REJECTION_CODES = [
  "empty",
  "oversized",
  "not_utf8",
  "not_json",
  "not_object",
  "invalid_field",
] as const;

/** Why a message was rejected: a stable code and a sentence without card data. */
export interface Rejection {
  ok: false;
  code: (typeof REJECTION_CODES)[number];
  message: string;
}

/** A message that holds a valid sale. */
export interface Accepted {
  ok: true;
  sale: Sale;
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

/** Decodes and validates one message value. */
export function decode(value: Uint8Array | null | undefined): Accepted | Rejection {
  if (!value || value.byteLength === 0) return reject("empty", "message has no value");
  const tooBig = sizeRejection(value.byteLength);
  if (tooBig) return tooBig;
  let text: string;
  try {
    text = utf8.decode(value);
  } catch {
    return reject("not_utf8", "message is not valid UTF-8");
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    return reject("not_json", `message is not JSON (${(error as Error).message})`);
  }
  return validate(data);
}

/** The "oversized" rejection of a message value of `byteLength` bytes, or null when it fits. */
export function sizeRejection(byteLength: number): Rejection | null {
  if (byteLength <= MAX_MESSAGE_BYTES) return null;
  return reject("oversized", `message is ${byteLength} bytes; the limit is ${MAX_MESSAGE_BYTES}`);
}

/** Validates an already parsed record (the producer uses this before sending). */
export function validate(data: unknown): Accepted | Rejection {
  if (typeof data !== "object" || data === null || Array.isArray(data)) {
    const kind = data === null ? "null" : Array.isArray(data) ? "an array" : typeof data;
    return reject("not_object", `expected a JSON object with the sale's fields, got ${kind}`);
  }
  const fast = parseSaleFast(data as Record<string, unknown>);
  if (fast) return { ok: true, sale: fast };
  const result = SaleRecordSchema.safeParse(data);
  if (result.success) return { ok: true, sale: result.data };
  const problems = result.error.issues.slice(0, 5).map((issue) => {
    const field = issue.path.join(".") || "record";
    const message = issue.code === "invalid_type" || issue.code === "invalid_union"
      ? ((data as Record<string, unknown>)[field] === undefined ? "missing" : "wrong type")
      : issue.message;
    return `${field}: ${message}`;
  });
  return reject("invalid_field", problems.join("; "));
}

function reject(code: Rejection["code"], message: string): Rejection {
  return { ok: false, code, message: maskCardNumbers(message) };
}
