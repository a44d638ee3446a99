/** The /kafka page: the report topics' current values beside PostgreSQL's counts, polled live. */
import {
  readReportsPage,
  type ReportsPageInputs,
  reportsPageOf,
  type ReportsView,
} from "./model.ts";
import type { Page } from "../shared/page.ts";
import {
  ReportsBannerPanel,
  ReportsChartsPanel,
  ReportsKpiPanel,
  ReportsTablesPanel,
} from "./panels.tsx";
import { ReportsTopicsPanel } from "./topics.tsx";

/** The Kafka reports page: read from the report topics, the snapshot store and Kafka. */
export const kafkaPage: Page<ReportsPageInputs, ReportsView> = {
  path: "/kafka",
  label: "Kafka reports",
  title: "Sales reports on Kafka",
  read: (sources) => readReportsPage(sources),
  view: reportsPageOf,
  panels: {
    "kafka-banner": ReportsBannerPanel,
    "kafka-kpis": ReportsKpiPanel,
    "kafka-charts": ReportsChartsPanel,
    "kafka-tables": ReportsTablesPanel,
    "kafka-topics": ReportsTopicsPanel,
  },
  sidebar: ReportsTopicsPanel,
  main: ({ view }) => (
    <>
      <ReportsBannerPanel view={view} />
      <ReportsKpiPanel view={view} />
      <ReportsChartsPanel view={view} />
      <ReportsTablesPanel view={view} />
    </>
  ),
};
