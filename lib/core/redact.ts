/** Masks card numbers in free text so logs, errors and the dead-letter topic never hold one in full. */

const CARD_LIKE = /\d(?:[ -]?\d){11,18}/g;

/** Replaces every run of 12-19 digits (spaces or dashes allowed) by stars and its last four digits. */
export function maskCardNumbers(text: string): string {
  return text.replace(CARD_LIKE, (run) => {
    const digits = run.replace(/[ -]/g, "");
    return "*".repeat(digits.length - 4) + digits.slice(-4);
  });
}

/**
 * Masks card numbers in bytes in place, as maskCardNumbers does in text but keeping the length (the
 * separators stay, each digit but the last four becomes a star), so binary data such as a raw
 * Kafka batch keeps its layout; returns how many runs it masked.
 */
export function maskCardNumbersInPlace(bytes: Uint8Array): number {
  let text = "";
  for (let at = 0; at < bytes.length; at += 8192) {
    text += String.fromCharCode(...bytes.subarray(at, at + 8192)); // one char per byte
  }
  let runs = 0;
  for (const match of text.matchAll(CARD_LIKE)) {
    runs++;
    let digits = match[0].replace(/[ -]/g, "").length - 4;
    for (let at = match.index; digits > 0; at++) {
      if (bytes[at] !== 0x20 && bytes[at] !== 0x2d) {
        bytes[at] = 0x2a; // "*"
        digits--;
      }
    }
  }
  return runs;
}

/**
 * Foreign text (from a record, a header, or a library's message about one) as one line of
 * printable ASCII for a log or a page: card numbers masked, a backslash and every other character
 * escaped (\u{...}), at most `max` characters.
 */
export function printable(text: string, max = 200): string {
  let out = "";
  for (const char of maskCardNumbers(text)) {
    const code = char.codePointAt(0)!;
    out += char === "\\"
      ? "\\\\"
      : code >= 0x20 && code <= 0x7e
      ? char
      : `\\u{${code.toString(16)}}`;
    if (out.length > max) return `${out.slice(0, max)}...`;
  }
  return out;
}

/** Masks an email address for display: first character, stars, then the domain. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf("@");
  if (at <= 0) return "***";
  return `${email[0]}***${email.slice(at)}`;
}
