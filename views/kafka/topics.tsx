/** The /kafka sidebar panel: when the report values were taken, and the keys each report topic holds. */
import type { ReportsView } from "./model.ts";
import { formatCount } from "../../lib/core/money.ts";
import { clock } from "../shared/display.ts";
import { Polled } from "../shared/polled.tsx";

/** The polled topics panel. */
export function ReportsTopicsPanel({ view }: { view: ReportsView }) {
  return (
    <Polled name="kafka-topics" refresh={view.refresh} class="freshness">
      <p>
        Reports as of{" "}
        <time data-as-of datetime={view.asOf.toISOString()}>{clock(view.asOf, view.timeZone)}</time>
        {view.notice?.kind === "kafka" && <span class="stale">(stale)</span>}
      </p>
      <h3>Report topics</h3>
      {view.prefix && (
        <p class="prefix">
          Prefix <code>{view.prefix}</code>
        </p>
      )}
      <table class="lag">
        <thead>
          <tr>
            <th scope="col">Topic</th>
            <th scope="col">Keys</th>
          </tr>
        </thead>
        <tbody>
          {view.topics.map((t) => (
            <tr data-topic={t.topic} data-keys={String(t.keys)}>
              <td class="topic">{t.report}</td>
              <td>{formatCount(t.keys)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </Polled>
  );
}
