/** The /kafka page's note: Kafka unreachable, no report data yet, or PostgreSQL unreachable. */
import type { ReportsView } from "../../lib/serve/kafka_view.ts";
import { Polled } from "../shared/polled.tsx";

/** The polled note panel; empty (but still polled) when all is well. */
export function ReportsBannerPanel({ view }: { view: ReportsView }) {
  const notice = view.notice;
  return (
    <Polled name="kafka-banner" refresh={view.refresh} class="banner-slot">
      {notice && (
        <div
          class={notice.kind === "kafka" ? "banner" : "note"}
          role={notice.kind === "kafka" ? "alert" : "status"}
          data-notice={notice.kind}
        >
          {notice.text}
        </div>
      )}
      {view.problem && (
        <div class="banner" role="alert" data-problem="database">
          <strong>{view.problem}.</strong>{" "}
          The PostgreSQL counts are the last ones read; retrying on every refresh.
        </div>
      )}
    </Polled>
  );
}
