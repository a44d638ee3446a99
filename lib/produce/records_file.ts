/** Reads sales records from a JSON array or NDJSON file, each with the line it starts on. */

/** A record read from a file, or the reason its text is not a record. */
export type FileEntry =
  | { line: number; record: unknown }
  | { line: number; error: string };

/** Thrown when the file as a whole cannot be read as JSON array or NDJSON. */
export class RecordsFileError extends Error {
  override name = "RecordsFileError";
}

const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/** Reads the file at path; in NDJSON a line that is not UTF-8 is an entry with an error. */
export async function readRecordsFile(path: string): Promise<FileEntry[]> {
  let bytes: Uint8Array;
  try {
    bytes = await Deno.readFile(path);
  } catch (error) {
    throw new RecordsFileError(`Cannot read ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  let text: string;
  try {
    text = strictUtf8.decode(bytes);
  } catch {
    return parseNonUtf8(bytes, path);
  }
  return parseRecords(text, path);
}

/**
 * A file that is not UTF-8 throughout: NDJSON lines that are not UTF-8 become entries with an
 * error (never records with replacement characters), the others are read as usual; a JSON array
 * is refused as a whole.
 */
function parseNonUtf8(bytes: Uint8Array, name: string): FileEntry[] {
  const isArray = firstNonBlank(bytes) === 0x5b; // "["
  const entries: FileEntry[] = [];
  let start = 0, line = 1;
  while (start <= bytes.length) {
    let end = bytes.indexOf(0x0a, start);
    if (end === -1) end = bytes.length;
    let text: string | null;
    try {
      text = strictUtf8.decode(bytes.subarray(start, end));
    } catch {
      text = null;
    }
    if (text === null) {
      if (isArray) {
        throw new RecordsFileError(
          `${name} starts with "[" but is not valid UTF-8 (line ${line}); save it as UTF-8`,
        );
      }
      entries.push({ line, error: "not UTF-8" });
    } else {
      const entry = parseLine(text, line);
      if (entry) entries.push(entry);
    }
    start = end + 1;
    line++;
  }
  return entries;
}

/** The first byte that is not ASCII whitespace, or -1. */
function firstNonBlank(bytes: Uint8Array): number {
  for (const b of bytes) if (b !== 0x20 && b !== 0x09 && b !== 0x0a && b !== 0x0d) return b;
  return -1;
}

/** One NDJSON line as an entry; null for a blank line. */
function parseLine(raw: string, line: number): FileEntry | null {
  const text = raw.trim();
  if (text === "") return null;
  try {
    return { line, record: JSON.parse(text) };
  } catch (error) {
    return { line, error: `not JSON (${(error as Error).message})` };
  }
}

/** Parses text holding a JSON array of records, or one JSON record per line (NDJSON). */
export function parseRecords(text: string, name = "input"): FileEntry[] {
  const start = text.search(/\S/);
  if (start === -1) return [];
  if (text[start] === "[") {
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch (error) {
      throw new RecordsFileError(
        `${name} starts with "[" but is not a valid JSON array (${(error as Error).message}); ` +
          "fix it, or give one record per line (NDJSON)",
      );
    }
    const lines = elementLines(text);
    return (data as unknown[]).map((record, i) => ({ line: lines[i] ?? 0, record }));
  }
  const entries: FileEntry[] = [];
  text.split("\n").forEach((raw, i) => {
    const entry = parseLine(raw, i + 1);
    if (entry) entries.push(entry);
  });
  return entries;
}

/** The line on which each top-level element of a valid JSON array starts. */
function elementLines(text: string): number[] {
  const lines: number[] = [];
  let line = 1, depth = 0, inString = false, escaped = false, expecting = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === "\n") line++;
    if (inString) {
      if (escaped) escaped = false;
      else if (c === "\\") escaped = true;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === " " || c === "\t" || c === "\r" || c === "\n") continue;
    if (expecting && depth === 1 && c !== "]") {
      lines.push(line);
      expecting = false;
    }
    if (c === '"') inString = true;
    else if (c === "[" || c === "{") {
      depth++;
      if (depth === 1) expecting = true;
    } else if (c === "]" || c === "}") depth--;
    else if (c === "," && depth === 1) expecting = true;
  }
  return lines;
}
