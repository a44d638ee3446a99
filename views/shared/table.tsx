/** A titled table card, its columns declared once: header, cell content and the cell's data-* attributes. */
import type { Child } from "hono/jsx";

/** One column: its header, whether it holds numbers (right-aligned), and how a row fills it. */
export interface Column<R> {
  header: string;
  numeric?: boolean;
  cell: (row: R) => Child;
  /** data-* attributes of the cell (names without the "data-" prefix) */
  data?: (row: R) => Record<string, string>;
}

/**
 * The card: a heading (with a CSV download when given), the table with `name` in data-table in a
 * region that scrolls sideways if it must (focusable, so the keyboard scrolls it, with a shadow
 * at the edge that has more; on a phone each row is stacked, a cell per line with its column's
 * name from data-label), and a sentence when empty.
 */
export function TableCard<R>(props: {
  title: string;
  name: string;
  columns: Column<R>[];
  rows: R[];
  /** data-* attributes of a row (names without the "data-" prefix) */
  rowData?: (row: R) => Record<string, string>;
  empty?: string;
  /** the CSV download of the table's figures */
  csv?: string;
}) {
  return (
    <section class="table-card">
      <h2>
        <span>{props.title}</span>
        {props.csv && (
          <a class="csv" href={props.csv} download data-csv={props.name}>
            CSV<span class="sr-only">: download {props.title.toLowerCase()}</span>
          </a>
        )}
      </h2>
      <div class="scroll" tabindex={0} role="region" aria-label={props.title}>
        <table data-table={props.name}>
          <thead>
            <tr>
              {props.columns.map((c) => (
                <th scope="col" class={c.numeric ? "num" : undefined}>{c.header}</th>
              ))}
            </tr>
          </thead>
          <tbody>
            {props.rows.map((row) => (
              <tr {...dataAttributes(props.rowData?.(row))}>
                {props.columns.map((c) => (
                  <td
                    class={c.numeric ? "num" : undefined}
                    {...dataAttributes(c.data?.(row))}
                    data-label={c.header}
                  >
                    {c.cell(row)}
                  </td>
                ))}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {props.rows.length === 0 && props.empty && <p class="empty">{props.empty}</p>}
    </section>
  );
}

function dataAttributes(data: Record<string, string> | undefined): Record<string, string> {
  return Object.fromEntries(Object.entries(data ?? {}).map(([k, v]) => [`data-${k}`, v]));
}
