/** Reporting skipped input: echoed text made safe for a terminal, and only the first lines shown. */

/** A skipped input line: where it was, its sale_id when it had one, and why. */
export interface Skip {
  line: number;
  saleId?: unknown;
  reason: string;
}

/** Skipped lines shown one by one; after these only a count is kept. */
export const SHOWN_BAD_LINES = 20;

/** The longest reported line, in characters, before it is cut with "…". */
const MAX_LINE_CHARS = 200;

/** C0 and C1 controls, DEL, Unicode line separators and bidirectional overrides. */
function unprintable(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f) || code === 0x2028 || code === 0x2029 ||
    (code >= 0x202a && code <= 0x202e) || (code >= 0x2066 && code <= 0x2069);
}

/**
 * Text safe to print on a terminal: each control character as \xNN or \uNNNN (so no escape
 * sequence, bell or carriage return from the input reaches the terminal), cut to `max`
 * characters with "…" at the end.
 */
export function printable(text: string, max = MAX_LINE_CHARS): string {
  const pieces: string[] = [];
  let length = 0;
  for (const char of text) {
    const code = char.codePointAt(0)!;
    const piece = !unprintable(code)
      ? char
      : code < 0x100
      ? `\\x${code.toString(16).padStart(2, "0")}`
      : `\\u${code.toString(16).padStart(4, "0")}`;
    pieces.push(piece);
    length += piece.length;
    if (length > max) break;
  }
  if (length <= max) return pieces.join("");
  let out = "";
  for (const piece of pieces) {
    if (out.length + piece.length > max - 1) break;
    out += piece;
  }
  return `${out}…`;
}

/** The line that reports a skip: "skipped line 4 (sale_id X): reason", printable. */
export function describeSkip({ line, saleId, reason }: Skip): string {
  const id = saleId === undefined ? "" : ` (sale_id ${String(saleId).slice(0, 64)})`;
  return printable(`skipped line ${line}${id}: ${reason}`);
}

/** Writes the first `shown` skips one per line, then only counts them; finish() writes the count. */
export class BadLines {
  /** every skip added, shown or not */
  count = 0;
  constructor(private write: (line: string) => void, private shown = SHOWN_BAD_LINES) {}

  /** Reports one skipped line (written while fewer than `shown` were). */
  add(skip: Skip): void {
    this.count++;
    if (this.count <= this.shown) this.write(describeSkip(skip));
  }

  /** Writes "... and N more bad lines" when some were not shown. */
  finish(): void {
    const more = this.count - this.shown;
    if (more > 0) this.write(`... and ${more} more bad line${more === 1 ? "" : "s"}`);
  }
}
