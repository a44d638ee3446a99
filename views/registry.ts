/** Every page of the dashboard, in sidebar order: adding a page is one entry here and its folder. */
import type { AnyPage } from "./shared/page.ts";
import { kafkaPage } from "./kafka/page.tsx";
import { overviewPage } from "./overview/page.tsx";

/** The pages, in sidebar order. */
export const PAGES: readonly AnyPage[] = [overviewPage, kafkaPage];
