/**
 * Freshness: when the data was read (and, on a read replica, how far behind its primary), the
 * newest sale, and the consumer's lag per partition, with the partitions it stopped at a batch it
 * cannot decode.
 */
import { clock } from "../shared/display.ts";
import type { OverviewView } from "./model.ts";
import { formatCount } from "../../lib/core/money.ts";
import { Polled } from "../shared/polled.tsx";
import { ReplicaStatusLine } from "../shared/replica_status.tsx";

/** The polled freshness panel of the sidebar. */
export function FreshnessPanel({ view }: { view: OverviewView }) {
  const lastSale = view.summary?.lastSaleAt ? new Date(view.summary.lastSaleAt) : null;
  const totalLag = view.lag?.reduce((sum, p) => sum + BigInt(p.lag), 0n);
  const stuck = view.lag?.filter((p) => p.stuck) ?? [];
  return (
    <Polled name="freshness" refresh={view.refresh} class="freshness">
      <p>
        Data as of {view.asOf
          ? (
            <time data-as-of datetime={view.asOf.toISOString()}>
              {clock(view.asOf, view.selection.timeZone)}
            </time>
          )
          : <span data-as-of>never</span>}
        {view.problem && <span class="stale">(stale)</span>}
      </p>
      <ReplicaStatusLine replica={view.replica} />
      {lastSale && (
        <p>
          Newest sale at{" "}
          <time datetime={lastSale.toISOString()}>{clock(lastSale, view.selection.timeZone)}</time>
        </p>
      )}
      <h3>Consumer lag</h3>
      {view.lag === null
        ? (
          <p data-lag="unknown">
            {view.summary
              ? "Lag unknown: Kafka is unreachable; retrying on every refresh."
              : "Lag unknown: PostgreSQL has not been read yet."}
          </p>
        )
        : view.lag.length === 0
        ? (
          <p data-lag="no-topic">
            No lag yet: Kafka answers, but the sales topic has not been created (nothing has been
            produced to it).
          </p>
        )
        : (
          <table class="lag" data-lag={String(totalLag)}>
            <thead>
              <tr>
                <th scope="col">Partition</th>
                <th scope="col">End</th>
                <th scope="col">Lag</th>
              </tr>
            </thead>
            <tbody>
              {view.lag.map((p) => (
                <tr
                  data-partition={String(p.partition)}
                  data-partition-lag={p.lag}
                  data-stuck={p.stuck ? "true" : undefined}
                  class={p.stuck ? "stuck" : undefined}
                >
                  <td>{p.partition}</td>
                  <td>{formatCount(p.end)}</td>
                  <td>{p.stuck ? `${formatCount(p.lag)} (stopped)` : formatCount(p.lag)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      {stuck.map((p) => (
        <p
          class="stuck"
          data-stuck-partition={String(p.partition)}
          data-stuck-from={p.stuck!.from}
          data-stuck-to={p.stuck!.to}
        >
          Partition {p.partition} stopped at offsets {p.stuck!.from}–{p.stuck!.to}:{" "}
          {p.stuck!.reason}. The other partitions go on. To skip it:{" "}
          <code>deno task unstick --partition {p.partition}</code>
        </p>
      ))}
    </Polled>
  );
}
