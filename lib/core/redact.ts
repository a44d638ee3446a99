/** Masks card numbers in free text so logs, errors and the dead-letter topic never hold one in full. */

const CARD_LIKE = /\d(?:[ -]?\d){11,18}/g;

/** Replaces every run of 12-19 digits (spaces or dashes allowed) by stars and its last four digits. */
export function maskCardNumbers(text: string): string {
  return text.replace(CARD_LIKE, (run) => {
    const digits = run.replace(/[ -]/g, "");
    return "*".repeat(digits.length - 4) + digits.slice(-4);
  });
}

/** Masks an email address for display: first character, stars, then the domain. */
export function maskEmail(email: string): string {
  const at = email.lastIndexOf("@");
  if (at <= 0) return "***";
  return `${email[0]}***${email.slice(at)}`;
}
