/** The banner shown while PostgreSQL is unreachable; empty (but still polled) when all is well. */
import { clock, type DashboardView } from "../../lib/serve/overview_view.ts";
import { Polled } from "../shared/polled.tsx";

/** The polled problem banner. */
export function BannerPanel({ view }: { view: DashboardView }) {
  return (
    <Polled name="banner" refresh={view.refresh} class="banner-slot">
      {view.problem && (
        <div class="banner" role="alert" data-problem="database">
          <strong>{view.problem}.</strong> {view.asOf
            ? `Showing the last good data, read at ${clock(view.asOf)}; retrying on every refresh.`
            : "No data could be read yet; retrying on every refresh."}
        </div>
      )}
    </Polled>
  );
}
