/**
 * CSV as RFC 4180 writes it (CRLF line ends, fields quoted when they hold a quote, comma or line
 * break, quotes doubled), safe to open in a spreadsheet: a text cell that begins with =, +, -, @,
 * a tab or a carriage return gets a leading apostrophe, so it is never read as a formula. Cells
 * that are plain numbers ("-12.50") stay numbers.
 */

/** A cell: text, a number, or empty (null). */
export type CsvCell = string | number | null;

/** A plain decimal number, which a spreadsheet reads as a number, never as a formula. */
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;
/** What a spreadsheet may take for the start of a formula. */
const FORMULA_START = /^[=+\-@\t\r]/;

/** One cell as CSV text: neutralised against formulas, then quoted when needed. */
export function csvCell(cell: CsvCell): string {
  if (cell === null) return "";
  let text = String(cell);
  if (FORMULA_START.test(text) && !PLAIN_NUMBER.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

/** A header row and the rows as one CSV text, each line ending in CRLF. */
export function toCsv(header: string[], rows: CsvCell[][]): string {
  return [header, ...rows].map((row) => row.map(csvCell).join(",") + "\r\n").join("");
}
