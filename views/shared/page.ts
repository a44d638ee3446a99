/**
 * A dashboard page, declared in one place: its path and link, how it reads its data, how the data
 * becomes its view, and its polled panels. routes/ serves every page in views/registry.ts from this.
 */
import type { Child } from "hono/jsx";
import type { EndOffsetsReader } from "../../lib/consume/lag.ts";
import type { ReportsReader } from "../../lib/reports/retrying_reader.ts";
import type { SnapshotStores } from "../../lib/store/snapshot.ts";
import type { Refresh } from "./refresh.ts";
import type { ControlsState } from "./controls.tsx";

/** What pages read their data from, created by main.ts (or by a test). */
export interface PageSources {
  /** the pages' data per selection (time range and filters), each keeping its last good snapshot */
  stores: SnapshotStores;
  /** Kafka end offsets of the sales topic; null when lag is not shown */
  endOffsets: EndOffsetsReader | null;
  /** the report topics for /kafka and /api/reports; absent when this server does not read them */
  reports?: ReportsReader;
  /** the IANA zone pages show times and align days in when the URL names none (default UTC) */
  timeZone?: string;
}

/** What every page's view carries: the interval its panels poll at. */
export interface PageView {
  refresh: Refresh;
}

/** A component of a page's view: the page renders it, and GET /fragments/NAME renders it alone. */
export type Panel<V> = (props: { view: V }) => Child;

/** One page of the dashboard. `I` is what it reads, `V` the view it renders. */
export interface Page<I, V extends PageView> {
  /** its URL path, also the form action of its controls */
  path: string;
  /** the link text in the sidebar */
  label: string;
  /** the document title */
  title: string;
  /** Reads the page's data (never throws: problems are part of the data). */
  read(sources: PageSources, query: URLSearchParams): Promise<I>;
  /** Builds the view from what was read and the URL's query (pure). */
  view(inputs: I, query: URLSearchParams): V;
  /**
   * The objects whose identity decides whether a rendered panel can be reused for the same
   * query; absent when renderings are never reused.
   */
  identity?(inputs: I): readonly unknown[];
  /** the polled panels, by fragment name */
  panels: Record<string, Panel<V>>;
  /** the page's own part of the sidebar, under the links and controls */
  sidebar: Panel<V>;
  /** the page's content */
  main: Panel<V>;
  /** the time range, dates and filters its controls carry (pages that have them) */
  controls?(view: V): ControlsState;
}

/** Any page, whatever its data (the registry's element type). */
// deno-lint-ignore no-explicit-any
export type AnyPage = Page<any, any>;
