/**
 * PostgreSQL array literals built in one pass ('{"a","b"}', '{1,2}'), sent as one text parameter
 * and cast in SQL (`${textArray(x)}::text[]`). For the batch columns of writeBatch this costs a
 * fraction of the driver's per-element serialisation (BENCHMARKS.md). Values are never null.
 */

const NEEDS_ESCAPE = /[\\"]/;

/** A text[] literal: every element quoted, backslashes and double quotes escaped. */
export function textArray(values: readonly string[]): string {
  let out = "{";
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    out += (i === 0 ? '"' : ',"') + (NEEDS_ESCAPE.test(v) ? v.replace(/[\\"]/g, "\\$&") : v) +
      '"';
  }
  return out + "}";
}

/** An integer[] (or bigint[], smallint[]) literal of whole numbers (numbers or decimal strings). */
export function intArray(values: readonly (number | string)[]): string {
  return `{${values.join(",")}}`;
}
