/** Reads sales records from a JSON array or NDJSON file, each with the line it starts on. */

/** A record read from a file, or the reason its text is not a record. */
export type FileEntry =
  | { line: number; record: unknown }
  | { line: number; error: string };

/** Thrown when the file as a whole cannot be read as JSON array or NDJSON. */
export class RecordsFileError extends Error {
  override name = "RecordsFileError";
}

/** Reads the file at path. */
export async function readRecordsFile(path: string): Promise<FileEntry[]> {
  let text: string;
  try {
    text = await Deno.readTextFile(path);
  } catch (error) {
    throw new RecordsFileError(`Cannot read ${path}: ${(error as Error).message}`, {
      cause: error,
    });
  }
  return parseRecords(text, path);
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
    const line = raw.trim();
    if (line === "") return;
    try {
      entries.push({ line: i + 1, record: JSON.parse(line) });
    } catch (error) {
      entries.push({ line: i + 1, error: `not JSON (${(error as Error).message})` });
    }
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
